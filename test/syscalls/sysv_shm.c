//go:build ignore

/*
 * System V shared memory: shmget, shmat, shmdt, shmctl (svipc(7)).
 *
 * Native runs create real host segments, so the checks run in a child
 * process and every segment made is recorded in a MAP_SHARED page; the
 * parent removes them all (IPC_RMID) whatever way the child ended.
 */
#include "testutil.h"

#include <fcntl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <grp.h>

#define PAGE 4096

/* Recorded identifiers, shared by every process of the test. */
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
		shmctl(tracked[1 + i], IPC_RMID, NULL);
}

/* A key unlikely to clash with other runs: from the pid and a counter. */
static key_t test_key(int n)
{
	return (key_t)(0x4d530000 ^ ((getpid() & 0xfff) << 4) ^ n);
}

static long read_long_file(const char *path, long dflt)
{
	char buf[64];
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return dflt;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return dflt;
	buf[n] = 0;
	return strtoul(buf, NULL, 10);
}

/* drop_privileges makes a forked child an ordinary user without
 * capabilities, when the test runs as root. */
static void drop_privileges(void)
{
	if (geteuid() == 0) {
		ASSERT_OK(setgroups(0, NULL));
		ASSERT_OK(setresgid(65534, 65534, 65534));
		ASSERT_OK(setresuid(65534, 65534, 65534));
	}
}

static void test_create_stat(void)
{
	time_t before = time(NULL);
	int id = track(shmget(IPC_PRIVATE, 10000, IPC_CREAT | 0640));
	ASSERT_GE(id, 0);
	struct shmid_ds ds;
	memset(&ds, 0xa5, sizeof(ds));
	CHECK_EQ(shmctl(id, IPC_STAT, &ds), 0);
	CHECK_EQ(ds.shm_segsz, 10000);
	CHECK_EQ(ds.shm_nattch, 0);
	CHECK_EQ(ds.shm_cpid, getpid());
	CHECK_EQ(ds.shm_lpid, 0);
	CHECK_EQ(ds.shm_atime, 0);
	CHECK_EQ(ds.shm_dtime, 0);
	CHECK_GE(ds.shm_ctime, before);
	CHECK_LE(ds.shm_ctime, time(NULL));
	CHECK_EQ(ds.shm_perm.__key, IPC_PRIVATE);
	CHECK_EQ(ds.shm_perm.mode, 0640);
	CHECK_EQ(ds.shm_perm.uid, geteuid());
	CHECK_EQ(ds.shm_perm.cuid, geteuid());
	CHECK_EQ(ds.shm_perm.gid, getegid());
	CHECK_EQ(ds.shm_perm.cgid, getegid());

	/* IPC_PRIVATE always makes a new segment. */
	int id2 = track(shmget(IPC_PRIVATE, 10000, 0600));
	CHECK_GE(id2, 0);
	CHECK_NE(id2, id);

	char *p = shmat(id, NULL, 0);
	ASSERT_NE(p, (void *)-1);
	CHECK_EQ((uintptr_t)p % PAGE, 0);
	/* Zero-filled, writable up to the rounded-up size. */
	CHECK_EQ(p[0], 0);
	CHECK_EQ(p[3 * PAGE - 1], 0);
	p[0] = 'a';
	p[9999] = 'z';
	p[3 * PAGE - 1] = 'e';
	CHECK_EQ(shmctl(id, IPC_STAT, &ds), 0);
	CHECK_EQ(ds.shm_nattch, 1);
	CHECK_EQ(ds.shm_lpid, getpid());
	CHECK_GE(ds.shm_atime, before);

	/* A second attach maps the same pages. */
	char *q = shmat(id, NULL, SHM_RDONLY);
	ASSERT_NE(q, (void *)-1);
	CHECK_NE(q, p);
	CHECK_EQ(q[0], 'a');
	CHECK_EQ(q[9999], 'z');
	p[1] = 'b';
	CHECK_EQ(q[1], 'b');
	CHECK_EQ(shmctl(id, IPC_STAT, &ds), 0);
	CHECK_EQ(ds.shm_nattch, 2);

	CHECK_EQ(shmdt(q), 0);
	CHECK_EQ(shmctl(id, IPC_STAT, &ds), 0);
	CHECK_EQ(ds.shm_nattch, 1);
	CHECK_GE(ds.shm_dtime, before);
	/* Detaching again fails: nothing is attached there. */
	CHECK_ERRNO(shmdt(q), -1, EINVAL);

	CHECK_EQ(shmdt(p), 0);
	CHECK_EQ(shmctl(id, IPC_STAT, &ds), 0);
	CHECK_EQ(ds.shm_nattch, 0);
	/* The contents outlive the attachments. */
	p = shmat(id, NULL, 0);
	ASSERT_NE(p, (void *)-1);
	CHECK_EQ(p[0], 'a');
	CHECK_EQ(p[9999], 'z');
	CHECK_EQ(shmdt(p), 0);

	CHECK_EQ(shmctl(id, IPC_RMID, NULL), 0);
	CHECK_EQ(shmctl(id2, IPC_RMID, NULL), 0);
	CHECK_ERRNO(shmctl(id, IPC_STAT, &ds), -1, EINVAL);
	CHECK_ERRNO(shmctl(id, IPC_RMID, NULL), -1, EINVAL);
	CHECK_ERRNO(shmat(id, NULL, 0), (long)-1, EINVAL);
}

static void test_keys(void)
{
	key_t k = test_key(1), k2 = test_key(2);
	shmctl(shmget(k, 0, 0), IPC_RMID, NULL);
	shmctl(shmget(k2, 0, 0), IPC_RMID, NULL);

	CHECK_ERRNO(shmget(k, PAGE, 0600), -1, ENOENT);
	int id = track(shmget(k, 2 * PAGE, IPC_CREAT | 0600));
	ASSERT_GE(id, 0);
	CHECK_EQ(shmget(k, 2 * PAGE, 0), id);
	CHECK_EQ(shmget(k, PAGE, IPC_CREAT | 0600), id);
	CHECK_EQ(shmget(k, 0, 0), id);
	CHECK_ERRNO(shmget(k, 2 * PAGE + 1, 0), -1, EINVAL);
	CHECK_ERRNO(shmget(k, PAGE, IPC_CREAT | IPC_EXCL | 0600), -1, EEXIST);
	/* EEXIST wins over a size that does not fit. */
	CHECK_ERRNO(shmget(k, 100 * PAGE, IPC_CREAT | IPC_EXCL | 0600), -1, EEXIST);
	CHECK_ERRNO(shmget(k2, PAGE, 0), -1, ENOENT);

	struct shmid_ds ds;
	CHECK_EQ(shmctl(id, IPC_STAT, &ds), 0);
	CHECK_EQ(ds.shm_perm.__key, k);

	/* Sizes out of range. */
	CHECK_ERRNO(shmget(IPC_PRIVATE, 0, 0600), -1, EINVAL);
	CHECK_ERRNO(shmget(k2, 0, IPC_CREAT | 0600), -1, EINVAL);
	CHECK_ERRNO(shmget(IPC_PRIVATE, (size_t)-1, 0600), -1, EINVAL);

	/* The segment shows in /proc/self/maps as /SYSV<key> (deleted). */
	char *p = shmat(id, NULL, 0);
	ASSERT_NE(p, (void *)-1);
	char want[64], line[512];
	snprintf(want, sizeof(want), "/SYSV%08x (deleted)", (unsigned)k);
	char buf[65536];
	int fd = open("/proc/self/maps", O_RDONLY);
	ASSERT_OK(fd);
	ssize_t n = 0, r;
	while ((r = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += r;
	buf[n] = 0;
	close(fd);
	char start[32];
	snprintf(start, sizeof(start), "%lx-", (unsigned long)p);
	char *l = strstr(buf, start);
	CHECK(l != NULL);
	if (l) {
		char *e = strchr(l, '\n');
		size_t len = e ? (size_t)(e - l) : strlen(l);
		if (len >= sizeof(line))
			len = sizeof(line) - 1;
		memcpy(line, l, len);
		line[len] = 0;
		CHECK(strstr(line, want) != NULL);
		CHECK(strstr(line, " rw-s ") != NULL);
		char ino[32];
		snprintf(ino, sizeof(ino), " %d ", id);
		CHECK(strstr(line, ino) != NULL);
		if (!strstr(line, want) || !strstr(line, ino))
			FAIL("maps line: %s", line);
	}

	/* IPC_RMID while attached: the key is free at once, the segment
	 * lives on (shown with SHM_DEST and key 0) until the last detach,
	 * and, on Linux, can still be attached by its identifier. */
	CHECK_EQ(shmctl(id, IPC_RMID, NULL), 0);
	CHECK_ERRNO(shmget(k, PAGE, 0), -1, ENOENT);
	CHECK_EQ(shmctl(id, IPC_STAT, &ds), 0);
	CHECK_EQ(ds.shm_perm.__key, IPC_PRIVATE);
	CHECK_EQ(ds.shm_perm.mode & SHM_DEST, SHM_DEST);
	CHECK_EQ(ds.shm_perm.mode & 0777, 0600);
	CHECK_EQ(ds.shm_nattch, 1);
	int id3 = track(shmget(k, PAGE, IPC_CREAT | IPC_EXCL | 0600));
	CHECK_GE(id3, 0);
	CHECK_NE(id3, id);
	p[5] = 'x';
	char *q = shmat(id, NULL, 0);
	CHECK_NE(q, (void *)-1);
	if (q != (void *)-1) {
		CHECK_EQ(q[5], 'x');
		CHECK_EQ(shmdt(q), 0);
	}
	CHECK_EQ(shmctl(id, IPC_STAT, &ds), 0);
	CHECK_EQ(shmdt(p), 0);
	CHECK_ERRNO(shmctl(id, IPC_STAT, &ds), -1, EINVAL);
	CHECK_EQ(shmctl(id3, IPC_RMID, NULL), 0);
}

/* reserve returns an address with npages free pages there. */
static char *reserve(int npages)
{
	char *a = mmap(NULL, npages * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(a, MAP_FAILED);
	ASSERT_EQ(munmap(a, npages * PAGE), 0);
	return a;
}

static void test_attach_flags(void)
{
	int id = track(shmget(IPC_PRIVATE, 2 * PAGE, 0600));
	ASSERT_GE(id, 0);

	/* At a given address. */
	char *a = reserve(4);
	char *p = shmat(id, a + PAGE, 0);
	CHECK_EQ(p, a + PAGE);
	if (p == a + PAGE) {
		p[0] = 1;
		/* shmdt wants the start of the attachment. */
		CHECK_ERRNO(shmdt(p + PAGE), -1, EINVAL);
		CHECK_ERRNO(shmdt(p + 1), -1, EINVAL);
		CHECK_EQ(shmdt(p), 0);
	}

	/* Unaligned: EINVAL, or rounded down with SHM_RND. */
	CHECK_ERRNO(shmat(id, a + PAGE + 123, 0), (long)-1, EINVAL);
	p = shmat(id, a + PAGE + 123, SHM_RND);
	CHECK_EQ(p, a + PAGE);
	if (p == a + PAGE)
		CHECK_EQ(shmdt(p), 0);

	/* Over an existing mapping: EINVAL unless SHM_REMAP. */
	char *m = mmap(a, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_EQ(m, a);
	m[PAGE] = 7;
	CHECK_ERRNO(shmat(id, a + PAGE, 0), (long)-1, EINVAL);
	CHECK_EQ(m[PAGE], 7);
	CHECK_ERRNO(shmat(id, NULL, SHM_REMAP), (long)-1, EINVAL);
	p = shmat(id, a + PAGE, SHM_REMAP);
	CHECK_EQ(p, a + PAGE);
	if (p == a + PAGE) {
		CHECK_EQ(p[0], 1);
		CHECK_EQ(m[0], 0);
		CHECK_EQ(shmdt(p), 0);
		/* The anonymous pages around it are still there. */
		CHECK_EQ(probe_write(m, 1), 0);
		CHECK_EQ(probe_write(m + 3 * PAGE, 1), 0);
	}
	munmap(a, 4 * PAGE);

	/* Read-only: writes fault and mprotect cannot add PROT_WRITE. */
	p = shmat(id, NULL, SHM_RDONLY);
	ASSERT_NE(p, (void *)-1);
	CHECK_EQ(p[0], 1);
	CHECK_EQ(probe_write(p, 2), SIGSEGV);
	CHECK_EQ(probe_code, SEGV_ACCERR);
	CHECK_ERRNO(mprotect(p, PAGE, PROT_READ | PROT_WRITE), -1, EACCES);
	CHECK_EQ(mprotect(p, PAGE, PROT_NONE), 0);
	CHECK_EQ(probe_read(p), SIGSEGV);
	CHECK_EQ(mprotect(p, PAGE, PROT_READ), 0);
	CHECK_EQ(shmdt(p), 0);

	/* Detach after the first page was unmapped: shmdt still finds the
	 * rest of the attachment from its start address. */
	p = shmat(id, NULL, 0);
	ASSERT_NE(p, (void *)-1);
	CHECK_EQ(munmap(p, PAGE), 0);
	struct shmid_ds ds;
	CHECK_EQ(shmctl(id, IPC_STAT, &ds), 0);
	CHECK_EQ(ds.shm_nattch, 1);
	CHECK_EQ(shmdt(p), 0);
	CHECK_EQ(probe_read(p + PAGE), SIGSEGV);
	CHECK_EQ(shmctl(id, IPC_STAT, &ds), 0);
	CHECK_EQ(ds.shm_nattch, 0);

	/* munmap detaches too. */
	p = shmat(id, NULL, 0);
	ASSERT_NE(p, (void *)-1);
	CHECK_EQ(munmap(p, 2 * PAGE), 0);
	CHECK_EQ(shmctl(id, IPC_STAT, &ds), 0);
	CHECK_EQ(ds.shm_nattch, 0);
	CHECK_ERRNO(shmdt(p), -1, EINVAL);

	/* Not a segment at all. */
	char *anon = mmap(NULL, PAGE, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(anon, MAP_FAILED);
	CHECK_ERRNO(shmdt(anon), -1, EINVAL);
	munmap(anon, PAGE);

	CHECK_ERRNO(shmat(-1, NULL, 0), (long)-1, EINVAL);
	CHECK_EQ(shmctl(id, IPC_RMID, NULL), 0);
}

static void test_shm_fork(void)
{
	int id = track(shmget(IPC_PRIVATE, PAGE, 0600));
	ASSERT_GE(id, 0);
	volatile char *p = shmat(id, NULL, 0);
	ASSERT_NE(p, (void *)-1);
	p[0] = 'P';
	int pfd[2], cfd[2];
	ASSERT_OK(pipe(pfd));
	ASSERT_OK(pipe(cfd));
	pid_t pid = test_fork();
	ASSERT_OK(pid);
	if (pid == 0) {
		char c;
		/* The child inherits the attachment, on the same pages. */
		CHECK_EQ(p[0], 'P');
		struct shmid_ds ds;
		CHECK_EQ(shmctl(id, IPC_STAT, &ds), 0);
		CHECK_EQ(ds.shm_nattch, 2);
		p[1] = 'C';
		CHECK_EQ(write(cfd[1], "1", 1), 1);
		CHECK_EQ(read(pfd[0], &c, 1), 1);
		CHECK_EQ(p[2], 'Q');
		CHECK_EQ(shmdt((void *)p), 0);
		CHECK_EQ(shmctl(id, IPC_STAT, &ds), 0);
		CHECK_EQ(ds.shm_nattch, 1);
		CHECK_EQ(ds.shm_lpid, getpid());
		/* Attach again and exit without detaching. */
		CHECK_NE(shmat(id, NULL, 0), (void *)-1);
		child_exit();
	}
	char c;
	CHECK_EQ(read(cfd[0], &c, 1), 1);
	CHECK_EQ(p[1], 'C');
	p[2] = 'Q';
	CHECK_EQ(write(pfd[1], "1", 1), 1);
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	/* The child's exit detached it. */
	struct shmid_ds ds;
	CHECK_EQ(shmctl(id, IPC_STAT, &ds), 0);
	CHECK_EQ(ds.shm_nattch, 1);
	CHECK_EQ(shmdt((void *)p), 0);

	/* A segment removed while only a child has it attached goes away
	 * when that child exits. */
	p = shmat(id, NULL, 0);
	ASSERT_NE(p, (void *)-1);
	pid = test_fork();
	ASSERT_OK(pid);
	if (pid == 0) {
		char c2;
		CHECK_EQ(read(pfd[0], &c2, 1), 1);
		CHECK_EQ(p[0], 'P');
		p[3] = 'D';
		child_exit();
	}
	CHECK_EQ(shmdt((void *)p), 0);
	CHECK_EQ(shmctl(id, IPC_RMID, NULL), 0);
	CHECK_EQ(shmctl(id, IPC_STAT, &ds), 0);
	CHECK_EQ(ds.shm_nattch, 1);
	CHECK_EQ(write(pfd[1], "1", 1), 1);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	CHECK_ERRNO(shmctl(id, IPC_STAT, &ds), -1, EINVAL);
	close(pfd[0]);
	close(pfd[1]);
	close(cfd[0]);
	close(cfd[1]);
}

static void test_ctl(void)
{
	int id = track(shmget(IPC_PRIVATE, PAGE, 0600));
	ASSERT_GE(id, 0);
	struct shmid_ds ds;
	CHECK_EQ(shmctl(id, IPC_STAT, &ds), 0);
	ds.shm_perm.mode = 0444 | SHM_DEST;
	ds.shm_segsz = 1; /* ignored */
	CHECK_EQ(shmctl(id, IPC_SET, &ds), 0);
	CHECK_EQ(shmctl(id, IPC_STAT, &ds), 0);
	CHECK_EQ(ds.shm_perm.mode, 0444);
	CHECK_EQ(ds.shm_segsz, PAGE);
	ds.shm_perm.uid = (uid_t)-1;
	CHECK_ERRNO(shmctl(id, IPC_SET, &ds), -1, EINVAL);

	CHECK_ERRNO(shmctl(id, IPC_STAT, (void *)1), -1, EFAULT);
	CHECK_ERRNO(shmctl(id, IPC_SET, (void *)1), -1, EFAULT);
	CHECK_ERRNO(shmctl(id, 1234, &ds), -1, EINVAL);
	CHECK_ERRNO(shmctl(-1, IPC_STAT, &ds), -1, EINVAL);
	CHECK_ERRNO(shmctl(id + 32768, IPC_STAT, &ds), -1, EINVAL);

	/* IPC_INFO: the limits. */
	struct shminfo si;
	memset(&si, 0, sizeof(si));
	int maxidx = shmctl(0, IPC_INFO, (struct shmid_ds *)&si);
	CHECK_GE(maxidx, id % 32768);
	CHECK_EQ(si.shmmin, 1);
	CHECK_EQ(si.shmmax, (unsigned long)read_long_file("/proc/sys/kernel/shmmax", (long)(~0UL - (1UL << 24))));
	CHECK_EQ(si.shmall, (unsigned long)read_long_file("/proc/sys/kernel/shmall", (long)(~0UL - (1UL << 24))));
	CHECK_EQ(si.shmmni, (unsigned long)read_long_file("/proc/sys/kernel/shmmni", 4096));
	CHECK_EQ(si.shmseg, si.shmmni);

	/* SHM_INFO: the usage. */
	struct shm_info inf;
	memset(&inf, 0xff, sizeof(inf));
	CHECK_EQ(shmctl(0, SHM_INFO, (struct shmid_ds *)&inf), maxidx);
	CHECK_GE(inf.used_ids, 1);
	CHECK_GE(inf.shm_tot, 1);
	CHECK_ERRNO(shmctl(0, SHM_INFO, (void *)1), -1, EFAULT);

	/* SHM_STAT takes an index and returns the identifier. */
	int found = 0;
	for (int i = 0; i <= maxidx; i++) {
		int r = shmctl(i, SHM_STAT, &ds);
		if (r == id) {
			found = 1;
			CHECK_EQ(ds.shm_segsz, PAGE);
		}
		if (shmctl(i, SHM_STAT_ANY, &ds) == id)
			found++;
	}
	CHECK_EQ(found, 2);
	CHECK_ERRNO(shmctl(maxidx + 1, SHM_STAT, &ds), -1, EINVAL);

	/* SHM_LOCK and SHM_UNLOCK set and clear SHM_LOCKED. */
	if (shmctl(id, SHM_LOCK, NULL) == 0) {
		CHECK_EQ(shmctl(id, IPC_STAT, &ds), 0);
		CHECK_EQ(ds.shm_perm.mode & SHM_LOCKED, SHM_LOCKED);
		CHECK_EQ(shmctl(id, SHM_UNLOCK, NULL), 0);
		CHECK_EQ(shmctl(id, IPC_STAT, &ds), 0);
		CHECK_EQ(ds.shm_perm.mode & SHM_LOCKED, 0);
	} else {
		CHECK_EQ(errno, EPERM);
	}
	CHECK_EQ(shmctl(id, IPC_RMID, NULL), 0);
}

static void test_permissions(void)
{
	int was_root = geteuid() == 0;
	int id = track(shmget(IPC_PRIVATE, PAGE, 0000));
	int idr = track(shmget(IPC_PRIVATE, PAGE, 0644));
	int idw = track(shmget(IPC_PRIVATE, PAGE, 0622));
	ASSERT_GE(id, 0);
	ASSERT_GE(idr, 0);
	ASSERT_GE(idw, 0);
	pid_t pid = test_fork();
	ASSERT_OK(pid);
	if (pid == 0) {
		drop_privileges();
		struct shmid_ds ds;
		/* Mode 0: nothing, not even for the owner. */
		CHECK_ERRNO(shmat(id, NULL, 0), (long)-1, EACCES);
		CHECK_ERRNO(shmat(id, NULL, SHM_RDONLY), (long)-1, EACCES);
		CHECK_ERRNO(shmctl(id, IPC_STAT, &ds), -1, EACCES);
		if (was_root) {
			/* Read-only for others. */
			CHECK_ERRNO(shmat(idr, NULL, 0), (long)-1, EACCES);
			void *p = shmat(idr, NULL, SHM_RDONLY);
			CHECK_NE(p, (void *)-1);
			if (p != (void *)-1)
				CHECK_EQ(shmdt(p), 0);
			CHECK_EQ(shmctl(idr, IPC_STAT, &ds), 0);
			/* Write-only is not enough to attach. */
			CHECK_ERRNO(shmat(idw, NULL, 0), (long)-1, EACCES);
			CHECK_ERRNO(shmat(idw, NULL, SHM_RDONLY), (long)-1, EACCES);
			/* Only the owner, creator or CAP_SYS_ADMIN may
			 * change or remove it. */
			CHECK_EQ(shmctl(idr, IPC_STAT, &ds), 0);
			CHECK_ERRNO(shmctl(idr, IPC_SET, &ds), -1, EPERM);
			CHECK_ERRNO(shmctl(idr, IPC_RMID, NULL), -1, EPERM);
			CHECK_ERRNO(shmctl(idr, SHM_LOCK, NULL), -1, EPERM);
			/* SHM_STAT_ANY skips the read check; SHM_STAT not. */
			CHECK_ERRNO(shmctl(id % 32768, SHM_STAT, &ds), -1, EACCES);
			CHECK_EQ(shmctl(id % 32768, SHM_STAT_ANY, &ds), id);
		}
		child_exit();
	}
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	/* The owner can still change the mode of a mode-0 segment, and
	 * root (CAP_IPC_OWNER) can attach it anyway. */
	struct shmid_ds ds;
	if (was_root) {
		void *p = shmat(id, NULL, 0);
		CHECK_NE(p, (void *)-1);
		if (p != (void *)-1)
			shmdt(p);
		CHECK_EQ(shmctl(id, IPC_STAT, &ds), 0);
	}
	memset(&ds, 0, sizeof(ds));
	ds.shm_perm.uid = geteuid();
	ds.shm_perm.gid = getegid();
	ds.shm_perm.mode = 0600;
	CHECK_EQ(shmctl(id, IPC_SET, &ds), 0);
	CHECK_EQ(shmctl(id, IPC_STAT, &ds), 0);
	CHECK_EQ(ds.shm_perm.mode, 0600);
	CHECK_EQ(shmctl(id, IPC_RMID, NULL), 0);
	CHECK_EQ(shmctl(idr, IPC_RMID, NULL), 0);
	CHECK_EQ(shmctl(idw, IPC_RMID, NULL), 0);
}

static void run(void)
{
	test_create_stat();
	test_keys();
	test_attach_flags();
	test_shm_fork();
	test_ctl();
	test_permissions();
}

int main(void)
{
	tracked = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
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
