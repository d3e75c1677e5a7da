//go:build ignore

/*
 * System V semaphores: semget, semop, semtimedop, semctl (svipc(7)).
 *
 * Native runs create real host semaphore sets, so the checks run in a
 * child process and every set made is recorded in a MAP_SHARED page; the
 * parent removes them all (IPC_RMID) whatever way the child ended.
 */
#include "testutil.h"

#include <fcntl.h>
#include <grp.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/time.h>

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
	struct seminfo *__buf;
};

static volatile int *tracked;
#define MAX_TRACKED 256

static int track(int id)
{
	if (id >= 0) {
		int n = __atomic_fetch_add(&tracked[0], 1, __ATOMIC_SEQ_CST);
		if (n < MAX_TRACKED)
			tracked[1 + n] = id;
	}
	return id;
}

static void cleanup(void)
{
	int n = tracked[0];
	for (int i = 0; i < n && i < MAX_TRACKED; i++)
		semctl(tracked[1 + i], 0, IPC_RMID);
}

static key_t test_key(int n)
{
	return (key_t)(0x4d450000 ^ ((getpid() & 0xfff) << 4) ^ n);
}

static void drop_privileges(void)
{
	if (geteuid() == 0) {
		ASSERT_OK(setgroups(0, NULL));
		ASSERT_OK(setresgid(65534, 65534, 65534));
		ASSERT_OK(setresuid(65534, 65534, 65534));
	}
}

static int getval(int id, int n) { return semctl(id, n, GETVAL); }

static int setval(int id, int n, int v)
{
	union semun u = {.val = v};
	return semctl(id, n, SETVAL, u);
}

static int op1(int id, int num, int op, int flg)
{
	struct sembuf sb = {.sem_num = num, .sem_op = op, .sem_flg = flg};
	return semop(id, &sb, 1);
}

/* wait_count polls GETNCNT or GETZCNT until it reaches want (5 s at most). */
static int wait_count(int id, int num, int cmd, int want)
{
	int v = -1;
	for (int i = 0; i < 5000; i++) {
		v = semctl(id, num, cmd);
		if (v == want)
			return v;
		usleep(1000);
	}
	return v;
}

static void test_basic(void)
{
	time_t before = time(NULL);
	int id = track(semget(IPC_PRIVATE, 3, IPC_CREAT | 0640));
	ASSERT_GE(id, 0);
	struct semid_ds ds;
	union semun u = {.buf = &ds};
	memset(&ds, 0xa5, sizeof(ds));
	CHECK_EQ(semctl(id, 0, IPC_STAT, u), 0);
	CHECK_EQ(ds.sem_nsems, 3);
	CHECK_EQ(ds.sem_otime, 0);
	CHECK_GE(ds.sem_ctime, before);
	CHECK_EQ(ds.sem_perm.__key, IPC_PRIVATE);
	CHECK_EQ(ds.sem_perm.mode, 0640);
	CHECK_EQ(ds.sem_perm.uid, geteuid());
	CHECK_EQ(ds.sem_perm.cuid, geteuid());
	CHECK_EQ(ds.sem_perm.gid, getegid());

	/* New semaphores are zero (Linux). */
	unsigned short vals[3] = {9, 9, 9};
	u.array = vals;
	CHECK_EQ(semctl(id, 0, GETALL, u), 0);
	CHECK_EQ(vals[0], 0);
	CHECK_EQ(vals[1], 0);
	CHECK_EQ(vals[2], 0);
	CHECK_EQ(semctl(id, 1, GETPID), 0);

	unsigned short set[3] = {1, 2, 3};
	u.array = set;
	CHECK_EQ(semctl(id, 0, SETALL, u), 0);
	CHECK_EQ(getval(id, 0), 1);
	CHECK_EQ(getval(id, 1), 2);
	CHECK_EQ(getval(id, 2), 3);
	CHECK_EQ(semctl(id, 2, GETPID), getpid());
	CHECK_EQ(setval(id, 1, 5), 0);
	CHECK_EQ(getval(id, 1), 5);

	/* Several operations at once, all or nothing. */
	struct sembuf ops[3] = {{0, -1, 0}, {1, 2, 0}, {2, -3, 0}};
	CHECK_EQ(semop(id, ops, 3), 0);
	CHECK_EQ(getval(id, 0), 0);
	CHECK_EQ(getval(id, 1), 7);
	CHECK_EQ(getval(id, 2), 0);
	CHECK_EQ(semctl(id, 0, IPC_STAT, (union semun){.buf = &ds}), 0);
	CHECK_GE(ds.sem_otime, before);
	struct sembuf ops2[2] = {{1, -1, 0}, {0, -1, IPC_NOWAIT}};
	CHECK_ERRNO(semop(id, ops2, 2), -1, EAGAIN);
	CHECK_EQ(getval(id, 1), 7);
	/* Only the blocking operation's IPC_NOWAIT counts: here the first
	 * operation has it but the second blocks... with a timeout. */
	struct sembuf ops3[2] = {{1, -1, IPC_NOWAIT}, {0, -1, 0}};
	struct timespec ts = {0, 20 * 1000 * 1000};
	long long t0 = now_ns();
	CHECK_ERRNO(semtimedop(id, ops3, 2, &ts), -1, EAGAIN);
	CHECK_GE(now_ns() - t0, 15 * 1000 * 1000LL);
	CHECK_EQ(getval(id, 1), 7);

	/* Wait-for-zero succeeds at once on zero. */
	CHECK_EQ(op1(id, 0, 0, 0), 0);
	CHECK_ERRNO(op1(id, 1, 0, IPC_NOWAIT), -1, EAGAIN);
	/* The same semaphore twice in one call, applied in order. */
	struct sembuf ops4[2] = {{0, 1, 0}, {0, -1, 0}};
	CHECK_EQ(semop(id, ops4, 2), 0);
	CHECK_EQ(getval(id, 0), 0);
	struct sembuf ops5[2] = {{0, -1, IPC_NOWAIT}, {0, 1, 0}};
	CHECK_ERRNO(semop(id, ops5, 2), -1, EAGAIN);

	/* Ranges. */
	CHECK_ERRNO(setval(id, 0, 32768), -1, ERANGE);
	CHECK_ERRNO(setval(id, 0, -1), -1, ERANGE);
	CHECK_EQ(setval(id, 0, 32767), 0);
	CHECK_ERRNO(op1(id, 0, 1, 0), -1, ERANGE);
	CHECK_EQ(getval(id, 0), 32767);
	unsigned short big[3] = {1, 32768, 1};
	u.array = big;
	CHECK_ERRNO(semctl(id, 0, SETALL, u), -1, ERANGE);
	CHECK_EQ(getval(id, 0), 32767);

	/* Bad arguments. */
	CHECK_ERRNO(semop(id, ops, 0), -1, EINVAL);
	struct sembuf many[501];
	memset(many, 0, sizeof(many));
	CHECK_ERRNO(semop(id, many, 501), -1, E2BIG);
	CHECK_ERRNO(op1(id, 3, 1, 0), -1, EFBIG);
	CHECK_ERRNO(op1(-1, 0, 1, 0), -1, EINVAL);
	CHECK_ERRNO(op1(id + 32768, 0, 1, 0), -1, EINVAL);
	CHECK_ERRNO(semop(id, (void *)1, 1), -1, EFAULT);
	struct timespec bad = {0, 1000 * 1000 * 1000};
	CHECK_ERRNO(semtimedop(id, ops, 1, &bad), -1, EINVAL);
	CHECK_ERRNO(getval(id, 3), -1, EINVAL);
	CHECK_ERRNO(getval(id, -1), -1, EINVAL);
	CHECK_ERRNO(setval(id, 3, 1), -1, EINVAL);
	CHECK_ERRNO(semctl(id, 0, 1234), -1, EINVAL);
	CHECK_ERRNO(semctl(id, 0, GETALL, (union semun){.array = (void *)1}), -1, EFAULT);
	CHECK_ERRNO(semctl(id, 0, SETALL, (union semun){.array = (void *)1}), -1, EFAULT);
	CHECK_ERRNO(semctl(id, 0, IPC_STAT, (union semun){.buf = (void *)1}), -1, EFAULT);

	CHECK_EQ(semctl(id, 0, IPC_RMID), 0);
	CHECK_ERRNO(getval(id, 0), -1, EINVAL);
	CHECK_ERRNO(op1(id, 0, 1, 0), -1, EINVAL);
	CHECK_ERRNO(semctl(id, 0, IPC_RMID), -1, EINVAL);
}

static void test_keys(void)
{
	key_t k = test_key(1);
	semctl(semget(k, 0, 0), 0, IPC_RMID);
	CHECK_ERRNO(semget(k, 1, 0600), -1, ENOENT);
	CHECK_ERRNO(semget(k, 0, IPC_CREAT | 0600), -1, EINVAL);
	CHECK_ERRNO(semget(IPC_PRIVATE, 0, 0600), -1, EINVAL);
	CHECK_ERRNO(semget(IPC_PRIVATE, -1, 0600), -1, EINVAL);
	CHECK_ERRNO(semget(IPC_PRIVATE, 32001, 0600), -1, EINVAL);
	int id = track(semget(k, 4, IPC_CREAT | 0600));
	ASSERT_GE(id, 0);
	CHECK_EQ(semget(k, 4, 0), id);
	CHECK_EQ(semget(k, 2, IPC_CREAT), id);
	CHECK_EQ(semget(k, 0, 0), id);
	CHECK_ERRNO(semget(k, 5, 0), -1, EINVAL);
	CHECK_ERRNO(semget(k, 1, IPC_CREAT | IPC_EXCL | 0600), -1, EEXIST);
	CHECK_ERRNO(semget(k, -1, 0), -1, EINVAL);
	struct semid_ds ds;
	CHECK_EQ(semctl(id, 0, IPC_STAT, (union semun){.buf = &ds}), 0);
	CHECK_EQ(ds.sem_perm.__key, k);
	CHECK_EQ(semctl(id, 0, IPC_RMID), 0);
	CHECK_ERRNO(semget(k, 1, 0), -1, ENOENT);
}

static void test_ctl(void)
{
	int id = track(semget(IPC_PRIVATE, 2, 0600));
	ASSERT_GE(id, 0);
	struct semid_ds ds;
	union semun u = {.buf = &ds};
	CHECK_EQ(semctl(id, 0, IPC_STAT, u), 0);
	time_t ctime0 = ds.sem_ctime;
	ds.sem_perm.mode = 0444 | 01000;
	ds.sem_nsems = 10; /* ignored */
	CHECK_EQ(semctl(id, 0, IPC_SET, u), 0);
	CHECK_EQ(semctl(id, 0, IPC_STAT, u), 0);
	CHECK_EQ(ds.sem_perm.mode, 0444);
	CHECK_EQ(ds.sem_nsems, 2);
	CHECK_GE(ds.sem_ctime, ctime0);
	CHECK_ERRNO(semctl(id, 0, IPC_SET, (union semun){.buf = (void *)1}), -1, EFAULT);

	/* IPC_INFO: the limits; SEM_INFO: the usage. */
	long lim[4] = {32000, 1024000000, 500, 32000};
	int fd = open("/proc/sys/kernel/sem", O_RDONLY);
	if (fd >= 0) {
		char buf[128];
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			buf[n] = 0;
			sscanf(buf, "%ld %ld %ld %ld", &lim[0], &lim[1], &lim[2], &lim[3]);
		}
	}
	struct seminfo si;
	memset(&si, 0, sizeof(si));
	int maxidx = semctl(0, 0, IPC_INFO, (union semun){.__buf = &si});
	CHECK_GE(maxidx, id % 32768);
	CHECK_EQ(si.semmsl, lim[0]);
	CHECK_EQ(si.semmns, lim[1]);
	CHECK_EQ(si.semopm, lim[2]);
	CHECK_EQ(si.semmni, lim[3]);
	CHECK_EQ(si.semvmx, 32767);
	CHECK_EQ(si.semaem, 32767);
	CHECK_EQ(si.semusz, 20);
	CHECK_EQ(si.semume, 500);
	memset(&si, 0, sizeof(si));
	CHECK_EQ(semctl(0, 0, SEM_INFO, (union semun){.__buf = &si}), maxidx);
	CHECK_GE(si.semusz, 1); /* sets in use */
	CHECK_GE(si.semaem, 2); /* semaphores in use */
	CHECK_ERRNO(semctl(0, 0, SEM_INFO, (union semun){.__buf = (void *)1}), -1, EFAULT);

	/* SEM_STAT takes an index and returns the identifier. */
	int found = 0;
	for (int i = 0; i <= maxidx; i++) {
		if (semctl(i, 0, SEM_STAT, u) == id) {
			found++;
			CHECK_EQ(ds.sem_nsems, 2);
		}
		if (semctl(i, 0, SEM_STAT_ANY, u) == id)
			found++;
	}
	CHECK_EQ(found, 2);
	CHECK_ERRNO(semctl(maxidx + 1, 0, SEM_STAT, u), -1, EINVAL);
	CHECK_EQ(semctl(id, 0, IPC_RMID), 0);
}

static void test_block_fork(void)
{
	int id = track(semget(IPC_PRIVATE, 2, 0600));
	ASSERT_GE(id, 0);

	/* A child blocks for the semaphore; the parent's V wakes it. */
	pid_t pid = test_fork();
	ASSERT_OK(pid);
	if (pid == 0) {
		CHECK_EQ(op1(id, 0, -1, 0), 0);
		child_exit();
	}
	CHECK_EQ(wait_count(id, 0, GETNCNT, 1), 1);
	CHECK_EQ(semctl(id, 0, GETZCNT), 0);
	CHECK_EQ(semctl(id, 1, GETNCNT), 0);
	CHECK_EQ(op1(id, 0, 1, 0), 0);
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	CHECK_EQ(getval(id, 0), 0);
	CHECK_EQ(semctl(id, 0, GETPID), pid);
	CHECK_EQ(semctl(id, 0, GETNCNT), 0);

	/* Wait-for-zero, woken when the value passes through zero. */
	CHECK_EQ(setval(id, 1, 1), 0);
	pid = test_fork();
	ASSERT_OK(pid);
	if (pid == 0) {
		CHECK_EQ(op1(id, 1, 0, 0), 0);
		child_exit();
	}
	CHECK_EQ(wait_count(id, 1, GETZCNT, 1), 1);
	struct sembuf down_up[1] = {{1, -1, 0}};
	CHECK_EQ(semop(id, down_up, 1), 0);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);

	/* GETNCNT counts only the operation a task waits on: this child
	 * waits for semaphore 1 to be zero before it can take 0. */
	CHECK_EQ(setval(id, 1, 1), 0);
	pid = test_fork();
	ASSERT_OK(pid);
	if (pid == 0) {
		struct sembuf two[2] = {{1, 0, 0}, {0, -1, 0}};
		CHECK_EQ(semop(id, two, 2), 0);
		child_exit();
	}
	CHECK_EQ(wait_count(id, 1, GETZCNT, 1), 1);
	CHECK_EQ(semctl(id, 0, GETNCNT), 0);
	CHECK_EQ(setval(id, 1, 0), 0);
	/* Now it waits on semaphore 0. */
	CHECK_EQ(wait_count(id, 0, GETNCNT, 1), 1);
	CHECK_EQ(semctl(id, 1, GETZCNT), 0);
	CHECK_EQ(op1(id, 0, 1, 0), 0);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	CHECK_EQ(getval(id, 0), 0);

	/* Waiters are served as values allow: two takers of one unit each,
	 * then one V of two units wakes both. */
	pid_t kids[2];
	for (int i = 0; i < 2; i++) {
		kids[i] = test_fork();
		ASSERT_OK(kids[i]);
		if (kids[i] == 0) {
			CHECK_EQ(op1(id, 0, -1, 0), 0);
			child_exit();
		}
	}
	CHECK_EQ(wait_count(id, 0, GETNCNT, 2), 2);
	CHECK_EQ(op1(id, 0, 2, 0), 0);
	for (int i = 0; i < 2; i++) {
		CHECK_EQ(waitpid(kids[i], &st, 0), kids[i]);
		CHECK_CHILD_OK(st);
	}
	CHECK_EQ(getval(id, 0), 0);

	/* IPC_RMID wakes waiters with EIDRM. */
	pid = test_fork();
	ASSERT_OK(pid);
	if (pid == 0) {
		CHECK_ERRNO(op1(id, 0, -1, 0), -1, EIDRM);
		child_exit();
	}
	CHECK_EQ(wait_count(id, 0, GETNCNT, 1), 1);
	CHECK_EQ(semctl(id, 0, IPC_RMID), 0);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
}

static void on_alarm(int sig) { (void)sig; }

static void test_signal(void)
{
	int id = track(semget(IPC_PRIVATE, 1, 0600));
	ASSERT_GE(id, 0);
	/* semop is never restarted, even with SA_RESTART. */
	struct sigaction sa, old;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	ASSERT_OK(sigaction(SIGALRM, &sa, &old));
	/* A repeating timer, in case a tick comes before the call blocks. */
	struct itimerval it = {{0, 50 * 1000}, {0, 50 * 1000}}, off = {{0, 0}, {0, 0}};
	ASSERT_OK(setitimer(ITIMER_REAL, &it, NULL));
	CHECK_ERRNO(op1(id, 0, -1, 0), -1, EINTR);
	CHECK_EQ(semctl(id, 0, GETNCNT), 0);
	struct timespec ts = {5, 0};
	struct sembuf sb = {0, -1, 0};
	CHECK_ERRNO(semtimedop(id, &sb, 1, &ts), -1, EINTR);
	ASSERT_OK(setitimer(ITIMER_REAL, &off, NULL));
	sigaction(SIGALRM, &old, NULL);
	alarm(50);
	CHECK_EQ(semctl(id, 0, IPC_RMID), 0);
}

static void test_undo(void)
{
	int id = track(semget(IPC_PRIVATE, 2, 0600));
	ASSERT_GE(id, 0);
	CHECK_EQ(setval(id, 0, 5), 0);

	/* A child's SEM_UNDO operations are reverted when it exits. */
	pid_t pid = test_fork();
	ASSERT_OK(pid);
	if (pid == 0) {
		CHECK_EQ(op1(id, 0, -2, SEM_UNDO), 0);
		CHECK_EQ(op1(id, 0, -1, SEM_UNDO), 0);
		CHECK_EQ(op1(id, 1, 4, SEM_UNDO), 0);
		CHECK_EQ(op1(id, 0, -1, 0), 0); /* not undone */
		CHECK_EQ(getval(id, 0), 1);
		child_exit();
	}
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	int v0 = getval(id, 0), v1 = getval(id, 1);
	if (v0 != 4 || v1 != 0)
		FAIL("SEM_UNDO not applied at child exit: values %d %d, want 4 0", v0, v1);
	CHECK_EQ(semctl(id, 0, GETPID), pid);

	/* Adjustments never take a value below zero. */
	CHECK_EQ(setval(id, 0, 0), 0);
	pid = test_fork();
	ASSERT_OK(pid);
	if (pid == 0) {
		CHECK_EQ(op1(id, 0, 3, SEM_UNDO), 0);
		CHECK_EQ(op1(id, 0, -3, 0), 0);
		child_exit();
	}
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	CHECK_EQ(getval(id, 0), 0);

	/* SETVAL clears the adjustments of that semaphore. */
	CHECK_EQ(setval(id, 0, 5), 0);
	CHECK_EQ(setval(id, 1, 5), 0);
	pid = test_fork();
	ASSERT_OK(pid);
	if (pid == 0) {
		CHECK_EQ(op1(id, 0, -1, SEM_UNDO), 0);
		CHECK_EQ(op1(id, 1, -1, SEM_UNDO), 0);
		CHECK_EQ(setval(id, 0, 10), 0);
		child_exit();
	}
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	CHECK_EQ(getval(id, 0), 10);
	CHECK_EQ(getval(id, 1), 5);

	/* Adjustments stay within -32768..32767: ERANGE beyond. At exit
	 * the value is clamped at zero. */
	pid = test_fork();
	ASSERT_OK(pid);
	if (pid == 0) {
		CHECK_EQ(setval(id, 0, 0), 0);
		CHECK_EQ(op1(id, 0, 32767, SEM_UNDO), 0);
		CHECK_EQ(op1(id, 0, -32767, 0), 0);
		CHECK_EQ(op1(id, 0, 1, SEM_UNDO), 0); /* semadj -32768 */
		CHECK_ERRNO(op1(id, 0, 1, SEM_UNDO), -1, ERANGE);
		CHECK_EQ(getval(id, 0), 1);
		child_exit();
	}
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	CHECK_EQ(getval(id, 0), 0);

	/* A lock held with SEM_UNDO is released when its holder exits,
	 * waking a process blocked on it. */
	CHECK_EQ(setval(id, 0, 1), 0);
	int pfd[2];
	ASSERT_OK(pipe(pfd));
	pid = test_fork();
	ASSERT_OK(pid);
	if (pid == 0) {
		CHECK_EQ(op1(id, 0, -1, SEM_UNDO), 0);
		CHECK_EQ(write(pfd[1], "1", 1), 1);
		/* Exit once the parent waits for the lock. */
		CHECK_EQ(wait_count(id, 0, GETNCNT, 1), 1);
		child_exit();
	}
	char c;
	CHECK_EQ(read(pfd[0], &c, 1), 1);
	struct timespec ts = {5, 0};
	struct sembuf sb = {0, -1, 0};
	long long t0 = now_ns();
	int r = semtimedop(id, &sb, 1, &ts);
	int e = errno;
	if (r != 0)
		FAIL("waiting for a lock held with SEM_UNDO by a child that exited: semtimedop = %d "
		     "errno %d (%s) after %lld ms; SEM_UNDO adjustments are not applied when a "
		     "process exits (is the kernel's thread-group exit hook for SysV IPC wired?)",
		     r, e, TU_NAME(e), (now_ns() - t0) / 1000000);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	close(pfd[0]);
	close(pfd[1]);

	/* Removing the set drops the adjustments with it. */
	int id2 = track(semget(IPC_PRIVATE, 1, 0600));
	ASSERT_GE(id2, 0);
	CHECK_EQ(op1(id2, 0, 2, SEM_UNDO), 0);
	CHECK_EQ(semctl(id2, 0, IPC_RMID), 0);
	CHECK_EQ(semctl(id, 0, IPC_RMID), 0);
}

static void test_permissions(void)
{
	int was_root = geteuid() == 0;
	int id = track(semget(IPC_PRIVATE, 1, 0000));
	int idr = track(semget(IPC_PRIVATE, 1, 0644));
	ASSERT_GE(id, 0);
	ASSERT_GE(idr, 0);
	pid_t pid = test_fork();
	ASSERT_OK(pid);
	if (pid == 0) {
		drop_privileges();
		struct semid_ds ds;
		CHECK_ERRNO(getval(id, 0), -1, EACCES);
		CHECK_ERRNO(setval(id, 0, 1), -1, EACCES);
		CHECK_ERRNO(op1(id, 0, 1, 0), -1, EACCES);
		CHECK_ERRNO(op1(id, 0, 0, IPC_NOWAIT), -1, EACCES);
		CHECK_ERRNO(semctl(id, 0, IPC_STAT, (union semun){.buf = &ds}), -1, EACCES);
		if (was_root) {
			/* Read allows GETVAL and wait-for-zero, not changes. */
			CHECK_EQ(getval(idr, 0), 0);
			CHECK_EQ(op1(idr, 0, 0, 0), 0);
			CHECK_ERRNO(op1(idr, 0, 1, 0), -1, EACCES);
			CHECK_ERRNO(setval(idr, 0, 1), -1, EACCES);
			unsigned short v = 1;
			CHECK_ERRNO(semctl(idr, 0, SETALL, (union semun){.array = &v}), -1, EACCES);
			CHECK_EQ(semctl(idr, 0, IPC_STAT, (union semun){.buf = &ds}), 0);
			CHECK_ERRNO(semctl(idr, 0, IPC_SET, (union semun){.buf = &ds}), -1, EPERM);
			CHECK_ERRNO(semctl(idr, 0, IPC_RMID), -1, EPERM);
			CHECK_ERRNO(semctl(id % 32768, 0, SEM_STAT, (union semun){.buf = &ds}), -1, EACCES);
			CHECK_EQ(semctl(id % 32768, 0, SEM_STAT_ANY, (union semun){.buf = &ds}), id);
		}
		child_exit();
	}
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	CHECK_EQ(semctl(id, 0, IPC_RMID), 0);
	CHECK_EQ(semctl(idr, 0, IPC_RMID), 0);
}

static void run(void)
{
	test_basic();
	test_keys();
	test_ctl();
	test_block_fork();
	test_signal();
	test_undo();
	test_permissions();
}

int main(void)
{
	tracked = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (tracked == MAP_FAILED)
		FATAL("mmap: errno %d", errno);
	pid_t pid = fork();
	if (pid < 0)
		FATAL("fork: errno %d", errno);
	if (pid == 0) {
		alarm(50);
		run();
		_exit(test_done());
	}
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
	}
	cleanup();
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	FAIL("test process died: status 0x%x", st);
	return test_done();
}
