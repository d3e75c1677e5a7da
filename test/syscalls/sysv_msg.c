//go:build ignore

/*
 * System V message queues: msgget, msgsnd, msgrcv, msgctl (svipc(7)).
 *
 * Native runs create real host queues, so the checks run in a child
 * process and every queue made is recorded in a MAP_SHARED page; the
 * parent removes them all (IPC_RMID) whatever way the child ended.
 */
#include "testutil.h"

#include <fcntl.h>
#include <grp.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/time.h>

#ifndef MSG_COPY
#define MSG_COPY 040000
#endif

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
		msgctl(tracked[1 + i], IPC_RMID, NULL);
}

static key_t test_key(int n)
{
	return (key_t)(0x4d510000 ^ ((getpid() & 0xfff) << 4) ^ n);
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
	return strtol(buf, NULL, 10);
}

static void drop_privileges(void)
{
	if (geteuid() == 0) {
		ASSERT_OK(setgroups(0, NULL));
		ASSERT_OK(setresgid(65534, 65534, 65534));
		ASSERT_OK(setresuid(65534, 65534, 65534));
	}
}

#define CAP_SYS_RESOURCE 24

/* has_cap reports whether capability cap is effective. */
static int has_cap(int cap)
{
	struct {
		uint32_t version;
		int pid;
	} hdr = {0x20080522, 0};
	struct {
		uint32_t effective, permitted, inheritable;
	} data[2];
	if (RAW(SYS_capget, &hdr, data) != 0)
		return 0;
	return (data[cap / 32].effective >> (cap % 32)) & 1;
}

struct msg {
	long mtype;
	char mtext[256];
};

static int send(int id, long type, const char *text, int flg)
{
	struct msg m;
	m.mtype = type;
	size_t n = strlen(text);
	memcpy(m.mtext, text, n);
	return msgsnd(id, &m, n, flg);
}

/* recv receives into m and NUL-terminates the text. */
static ssize_t recv(int id, struct msg *m, size_t size, long type, int flg)
{
	memset(m, 0, sizeof(*m));
	ssize_t n = msgrcv(id, m, size, type, flg);
	if (n >= 0 && n < (ssize_t)sizeof(m->mtext))
		m->mtext[n] = 0;
	return n;
}

static struct msqid_ds stat_of(int id)
{
	struct msqid_ds ds;
	memset(&ds, 0xa5, sizeof(ds));
	if (msgctl(id, IPC_STAT, &ds) != 0)
		FAIL("msgctl(IPC_STAT): errno %d", errno);
	return ds;
}

static void test_basic(void)
{
	long mnb = read_long_file("/proc/sys/kernel/msgmnb", 16384);
	time_t before = time(NULL);
	int id = track(msgget(IPC_PRIVATE, IPC_CREAT | 0640));
	ASSERT_GE(id, 0);
	struct msqid_ds ds = stat_of(id);
	CHECK_EQ(ds.msg_qnum, 0);
	CHECK_EQ(ds.__msg_cbytes, 0);
	CHECK_EQ(ds.msg_qbytes, mnb);
	CHECK_EQ(ds.msg_lspid, 0);
	CHECK_EQ(ds.msg_lrpid, 0);
	CHECK_EQ(ds.msg_stime, 0);
	CHECK_EQ(ds.msg_rtime, 0);
	CHECK_GE(ds.msg_ctime, before);
	CHECK_EQ(ds.msg_perm.__key, IPC_PRIVATE);
	CHECK_EQ(ds.msg_perm.mode, 0640);
	CHECK_EQ(ds.msg_perm.uid, geteuid());
	CHECK_EQ(ds.msg_perm.cuid, geteuid());

	CHECK_EQ(send(id, 1, "hello", 0), 0);
	CHECK_EQ(send(id, 2, "world", 0), 0);
	CHECK_EQ(send(id, 3, "!!!", 0), 0);
	CHECK_EQ(send(id, 2, "again", 0), 0);
	CHECK_EQ(send(id, 5, "", 0), 0);
	ds = stat_of(id);
	CHECK_EQ(ds.msg_qnum, 5);
	CHECK_EQ(ds.__msg_cbytes, 18);
	CHECK_EQ(ds.msg_lspid, getpid());
	CHECK_GE(ds.msg_stime, before);
	CHECK_EQ(ds.msg_rtime, 0);

	struct msg m;
	/* msgtyp > 0: the first message of that type. */
	CHECK_EQ(recv(id, &m, sizeof(m.mtext), 2, 0), 5);
	CHECK_EQ(m.mtype, 2);
	CHECK_STREQ(m.mtext, "world");
	/* msgtyp < 0: the first of the lowest type up to |msgtyp|. */
	CHECK_EQ(recv(id, &m, sizeof(m.mtext), -3, 0), 5);
	CHECK_EQ(m.mtype, 1);
	CHECK_STREQ(m.mtext, "hello");
	/* MSG_EXCEPT: the first not of that type. */
	CHECK_EQ(recv(id, &m, sizeof(m.mtext), 2, MSG_EXCEPT), 3);
	CHECK_EQ(m.mtype, 3);
	CHECK_EQ(recv(id, &m, sizeof(m.mtext), 3, MSG_EXCEPT | IPC_NOWAIT), 5);
	CHECK_EQ(m.mtype, 2);
	CHECK_STREQ(m.mtext, "again");
	ds = stat_of(id);
	CHECK_EQ(ds.msg_qnum, 1);
	CHECK_EQ(ds.__msg_cbytes, 0);
	CHECK_EQ(ds.msg_lrpid, getpid());
	CHECK_GE(ds.msg_rtime, before);
	/* A message of type 5 but none of type 1 to 4. */
	CHECK_ERRNO(recv(id, &m, sizeof(m.mtext), -4, IPC_NOWAIT), -1, ENOMSG);
	CHECK_ERRNO(recv(id, &m, sizeof(m.mtext), 4, IPC_NOWAIT), -1, ENOMSG);
	/* msgtyp 0: the first message. Empty text. */
	CHECK_EQ(recv(id, &m, sizeof(m.mtext), 0, 0), 0);
	CHECK_EQ(m.mtype, 5);
	CHECK_ERRNO(recv(id, &m, sizeof(m.mtext), 0, IPC_NOWAIT), -1, ENOMSG);

	/* Too long for the buffer: E2BIG and the message stays, or cut
	 * with MSG_NOERROR. */
	CHECK_EQ(send(id, 7, "0123456789", 0), 0);
	CHECK_ERRNO(recv(id, &m, 4, 0, IPC_NOWAIT), -1, E2BIG);
	CHECK_EQ(stat_of(id).msg_qnum, 1);
	CHECK_EQ(recv(id, &m, 4, 0, IPC_NOWAIT | MSG_NOERROR), 4);
	CHECK_STREQ(m.mtext, "0123");
	CHECK_EQ(stat_of(id).msg_qnum, 0);
	CHECK_EQ(stat_of(id).__msg_cbytes, 0);

	/* A lowest type reached through a later message. */
	CHECK_EQ(send(id, 9, "a", 0), 0);
	CHECK_EQ(send(id, 4, "b", 0), 0);
	CHECK_EQ(send(id, 6, "c", 0), 0);
	CHECK_EQ(send(id, 4, "d", 0), 0);
	CHECK_EQ(recv(id, &m, sizeof(m.mtext), -10, 0), 1);
	CHECK_STREQ(m.mtext, "b");
	CHECK_EQ(recv(id, &m, sizeof(m.mtext), -10, 0), 1);
	CHECK_STREQ(m.mtext, "d");
	CHECK_EQ(recv(id, &m, sizeof(m.mtext), -10, 0), 1);
	CHECK_STREQ(m.mtext, "c");
	CHECK_EQ(recv(id, &m, sizeof(m.mtext), -10, 0), 1);
	CHECK_STREQ(m.mtext, "a");

	/* Bad arguments. */
	m.mtype = 0;
	CHECK_ERRNO(msgsnd(id, &m, 1, 0), -1, EINVAL);
	m.mtype = -1;
	CHECK_ERRNO(msgsnd(id, &m, 1, 0), -1, EINVAL);
	m.mtype = 1;
	long msgmax = read_long_file("/proc/sys/kernel/msgmax", 8192);
	CHECK_ERRNO(msgsnd(id, &m, msgmax + 1, 0), -1, EINVAL);
	CHECK_ERRNO(msgsnd(id, &m, (size_t)-1, 0), -1, EINVAL);
	CHECK_ERRNO(msgsnd(id, (void *)1, 1, 0), -1, EFAULT);
	CHECK_ERRNO(msgsnd(-1, &m, 1, 0), -1, EINVAL);
	CHECK_ERRNO(msgsnd(id + 32768, &m, 1, 0), -1, EINVAL);
	CHECK_ERRNO(msgrcv(id, &m, (size_t)-1, 0, IPC_NOWAIT), -1, EINVAL);
	CHECK_ERRNO(msgrcv(-1, &m, 1, 0, IPC_NOWAIT), -1, EINVAL);
	CHECK_ERRNO(msgctl(id, 1234, &ds), -1, EINVAL);
	CHECK_ERRNO(msgctl(id, IPC_STAT, (void *)1), -1, EFAULT);

	CHECK_EQ(msgctl(id, IPC_RMID, NULL), 0);
	CHECK_ERRNO(msgctl(id, IPC_STAT, &ds), -1, EINVAL);
	CHECK_ERRNO(send(id, 1, "x", 0), -1, EINVAL);
	CHECK_ERRNO(msgctl(id, IPC_RMID, NULL), -1, EINVAL);
}

static void test_copy(void)
{
	int id = track(msgget(IPC_PRIVATE, 0600));
	ASSERT_GE(id, 0);
	struct msg m;
	CHECK_EQ(send(id, 1, "first", 0), 0);
	CHECK_EQ(send(id, 2, "second", 0), 0);
	ssize_t r = recv(id, &m, sizeof(m.mtext), 1, MSG_COPY | IPC_NOWAIT);
	if (r < 0 && errno == ENOSYS) {
		/* The host kernel lacks CONFIG_CHECKPOINT_RESTORE. */
		CHECK_EQ(msgctl(id, IPC_RMID, NULL), 0);
		return;
	}
	/* MSG_COPY: msgtyp is a position; the message stays. */
	CHECK_EQ(r, 6);
	CHECK_STREQ(m.mtext, "second");
	CHECK_EQ(m.mtype, 2);
	CHECK_EQ(recv(id, &m, sizeof(m.mtext), 0, MSG_COPY | IPC_NOWAIT), 5);
	CHECK_STREQ(m.mtext, "first");
	CHECK_EQ(stat_of(id).msg_qnum, 2);
	CHECK_ERRNO(recv(id, &m, sizeof(m.mtext), 2, MSG_COPY | IPC_NOWAIT), -1, ENOMSG);
	CHECK_ERRNO(recv(id, &m, sizeof(m.mtext), 0, MSG_COPY), -1, EINVAL);
	CHECK_ERRNO(recv(id, &m, sizeof(m.mtext), 0, MSG_COPY | MSG_EXCEPT | IPC_NOWAIT), -1, EINVAL);
	CHECK_ERRNO(recv(id, &m, 2, 0, MSG_COPY | IPC_NOWAIT), -1, E2BIG);
	CHECK_EQ(msgctl(id, IPC_RMID, NULL), 0);
}

static void test_keys(void)
{
	key_t k = test_key(1);
	msgctl(msgget(k, 0), IPC_RMID, NULL);
	CHECK_ERRNO(msgget(k, 0600), -1, ENOENT);
	int id = track(msgget(k, IPC_CREAT | 0600));
	ASSERT_GE(id, 0);
	CHECK_EQ(msgget(k, 0), id);
	CHECK_EQ(msgget(k, IPC_CREAT | 0600), id);
	CHECK_ERRNO(msgget(k, IPC_CREAT | IPC_EXCL | 0600), -1, EEXIST);
	int id2 = track(msgget(IPC_PRIVATE, 0600));
	CHECK_GE(id2, 0);
	CHECK_NE(id2, id);
	CHECK_EQ(stat_of(id).msg_perm.__key, k);
	CHECK_EQ(msgctl(id, IPC_RMID, NULL), 0);
	CHECK_ERRNO(msgget(k, 0), -1, ENOENT);
	CHECK_EQ(msgctl(id2, IPC_RMID, NULL), 0);
}

static void test_ctl(void)
{
	int id = track(msgget(IPC_PRIVATE, 0600));
	ASSERT_GE(id, 0);
	struct msqid_ds ds = stat_of(id);
	/* A small queue: 10 bytes, and so at most 10 messages. */
	ds.msg_qbytes = 10;
	ds.msg_perm.mode = 0640;
	CHECK_EQ(msgctl(id, IPC_SET, &ds), 0);
	ds = stat_of(id);
	CHECK_EQ(ds.msg_qbytes, 10);
	CHECK_EQ(ds.msg_perm.mode, 0640);
	CHECK_EQ(send(id, 1, "12345678", 0), 0);
	CHECK_ERRNO(send(id, 1, "123", IPC_NOWAIT), -1, EAGAIN);
	CHECK_EQ(send(id, 1, "12", IPC_NOWAIT), 0);
	CHECK_ERRNO(send(id, 1, "1", IPC_NOWAIT), -1, EAGAIN);
	/* Full of bytes, but an empty message still fits. */
	CHECK_EQ(send(id, 1, "", IPC_NOWAIT), 0);
	struct msg m;
	CHECK_EQ(recv(id, &m, sizeof(m.mtext), 0, 0), 8);
	CHECK_EQ(recv(id, &m, sizeof(m.mtext), 0, 0), 2);
	CHECK_EQ(recv(id, &m, sizeof(m.mtext), 0, 0), 0);
	for (int i = 0; i < 10; i++)
		CHECK_EQ(send(id, 1, "", IPC_NOWAIT), 0);
	CHECK_ERRNO(send(id, 1, "", IPC_NOWAIT), -1, EAGAIN);
	CHECK_EQ(stat_of(id).msg_qnum, 10);
	ds.msg_perm.uid = (uid_t)-1;
	CHECK_ERRNO(msgctl(id, IPC_SET, &ds), -1, EINVAL);
	CHECK_ERRNO(msgctl(id, IPC_SET, (void *)1), -1, EFAULT);

	/* IPC_INFO: the limits; MSG_INFO: the usage. */
	struct msginfo mi;
	memset(&mi, 0, sizeof(mi));
	int maxidx = msgctl(0, IPC_INFO, (struct msqid_ds *)&mi);
	CHECK_GE(maxidx, id % 32768);
	CHECK_EQ(mi.msgmax, read_long_file("/proc/sys/kernel/msgmax", 8192));
	CHECK_EQ(mi.msgmnb, read_long_file("/proc/sys/kernel/msgmnb", 16384));
	CHECK_EQ(mi.msgmni, read_long_file("/proc/sys/kernel/msgmni", 32000));
	CHECK_EQ(mi.msgssz, 16);
	CHECK_EQ(mi.msgseg, 0xffff);
	CHECK_EQ(mi.msgtql, 16384);
	CHECK_EQ(mi.msgmap, 16384);
	CHECK_EQ(mi.msgpool, 32000 * 16384 / 1024);
	memset(&mi, 0, sizeof(mi));
	CHECK_EQ(msgctl(0, MSG_INFO, (struct msqid_ds *)&mi), maxidx);
	CHECK_GE(mi.msgpool, 1);  /* queues */
	CHECK_GE(mi.msgmap, 10);  /* messages */
	CHECK_GE(mi.msgtql, 0);   /* bytes */

	/* MSG_STAT takes an index and returns the identifier. */
	int found = 0;
	for (int i = 0; i <= maxidx; i++) {
		if (msgctl(i, MSG_STAT, &ds) == id) {
			found++;
			CHECK_EQ(ds.msg_qnum, 10);
		}
		if (msgctl(i, MSG_STAT_ANY, &ds) == id)
			found++;
	}
	CHECK_EQ(found, 2);
	CHECK_ERRNO(msgctl(maxidx + 1, MSG_STAT, &ds), -1, EINVAL);
	CHECK_EQ(msgctl(id, IPC_RMID, NULL), 0);
}

static void check_rmid_wakes(int sender);

static void test_msg_fork(void)
{
	int req = track(msgget(IPC_PRIVATE, 0600));
	int rep = track(msgget(IPC_PRIVATE, 0600));
	ASSERT_GE(req, 0);
	ASSERT_GE(rep, 0);

	/* A child serves requests: it blocks in msgrcv, replies with the
	 * text reversed, and stops at type 99. */
	pid_t pid = test_fork();
	ASSERT_OK(pid);
	if (pid == 0) {
		for (;;) {
			struct msg m;
			ssize_t n = recv(req, &m, sizeof(m.mtext), 0, 0);
			CHECK_GE(n, 0);
			if (n < 0 || m.mtype == 99)
				break;
			struct msg r;
			r.mtype = m.mtype + 100;
			for (ssize_t i = 0; i < n; i++)
				r.mtext[i] = m.mtext[n - 1 - i];
			CHECK_EQ(msgsnd(rep, &r, n, 0), 0);
		}
		child_exit();
	}
	const char *words[] = {"alpha", "beta", "gamma", "delta"};
	for (int i = 0; i < 4; i++) {
		if (i == 1)
			usleep(20000); /* let the child block first */
		CHECK_EQ(send(req, i + 1, words[i], 0), 0);
		struct msg m;
		CHECK_EQ(recv(rep, &m, sizeof(m.mtext), i + 101, 0), (ssize_t)strlen(words[i]));
		char want[16];
		size_t n = strlen(words[i]);
		for (size_t j = 0; j < n; j++)
			want[j] = words[i][n - 1 - j];
		want[n] = 0;
		CHECK_STREQ(m.mtext, want);
	}
	CHECK_EQ(send(req, 99, "", 0), 0);
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	CHECK_EQ(stat_of(req).msg_lrpid, pid);
	CHECK_EQ(stat_of(rep).msg_lspid, pid);

	/* A sender blocks on a full queue until a receiver makes room. */
	struct msqid_ds ds = stat_of(req);
	ds.msg_qbytes = 8;
	CHECK_EQ(msgctl(req, IPC_SET, &ds), 0);
	CHECK_EQ(send(req, 1, "12345678", 0), 0);
	pid = test_fork();
	ASSERT_OK(pid);
	if (pid == 0) {
		CHECK_EQ(send(req, 2, "abcd", 0), 0);
		child_exit();
	}
	usleep(50000);
	CHECK_EQ(stat_of(req).msg_qnum, 1);
	struct msg m;
	CHECK_EQ(recv(req, &m, sizeof(m.mtext), 1, 0), 8);
	CHECK_EQ(recv(req, &m, sizeof(m.mtext), 2, 0), 4);
	CHECK_STREQ(m.mtext, "abcd");
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);

	/* Raising msg_qbytes wakes a blocked sender too. */
	CHECK_EQ(send(req, 1, "12345678", 0), 0);
	pid = test_fork();
	ASSERT_OK(pid);
	if (pid == 0) {
		CHECK_EQ(send(req, 2, "abcd", 0), 0);
		child_exit();
	}
	usleep(50000);
	ds = stat_of(req);
	ds.msg_qbytes = 100;
	CHECK_EQ(msgctl(req, IPC_SET, &ds), 0);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	CHECK_EQ(stat_of(req).msg_qnum, 2);

	CHECK_EQ(msgctl(rep, IPC_RMID, NULL), 0);
	CHECK_EQ(msgctl(req, IPC_RMID, NULL), 0);

	/* IPC_RMID wakes blocked receivers and senders with EIDRM. */
	check_rmid_wakes(0);
	check_rmid_wakes(1);
}

/*
 * check_rmid_wakes: a child blocks in msgrcv (or msgsnd to a full queue),
 * the parent removes the queue, and the child must get EIDRM. Nothing
 * shows that the child has blocked yet, so if the removal came first
 * (the child got EINVAL), try again with a longer wait.
 */
static void check_rmid_wakes(int sender)
{
	for (int delay = 20000; delay <= 2560000; delay *= 2) {
		int id = track(msgget(IPC_PRIVATE, 0600));
		ASSERT_GE(id, 0);
		if (sender) {
			struct msqid_ds ds = stat_of(id);
			ds.msg_qbytes = 1;
			CHECK_EQ(msgctl(id, IPC_SET, &ds), 0);
			CHECK_EQ(send(id, 1, "a", 0), 0);
		}
		pid_t pid = test_fork();
		ASSERT_OK(pid);
		if (pid == 0) {
			struct msg m;
			ssize_t r = sender ? send(id, 1, "b", 0) : recv(id, &m, sizeof(m.mtext), 0, 0);
			if (r == -1 && errno == EINVAL)
				_exit(2);
			CHECK_ERRNO(r, -1, EIDRM);
			child_exit();
		}
		usleep(delay);
		CHECK_EQ(msgctl(id, IPC_RMID, NULL), 0);
		int st;
		CHECK_EQ(waitpid(pid, &st, 0), pid);
		if (WIFEXITED(st) && WEXITSTATUS(st) == 2)
			continue;
		CHECK_CHILD_OK(st);
		return;
	}
	FAIL("the child never blocked in %s", sender ? "msgsnd" : "msgrcv");
}

static volatile int alarms;
static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void test_signal(void)
{
	int id = track(msgget(IPC_PRIVATE, 0600));
	ASSERT_GE(id, 0);
	struct sigaction sa, old;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	ASSERT_OK(sigaction(SIGALRM, &sa, &old));
	/* msgrcv and msgsnd are not restarted after a handler, even with
	 * SA_RESTART. */
	/* A repeating timer, in case a tick comes before the call blocks. */
	struct itimerval it = {{0, 50 * 1000}, {0, 50 * 1000}}, off = {{0, 0}, {0, 0}};
	ASSERT_OK(setitimer(ITIMER_REAL, &it, NULL));
	struct msg m;
	CHECK_ERRNO(recv(id, &m, sizeof(m.mtext), 0, 0), -1, EINTR);
	ASSERT_OK(setitimer(ITIMER_REAL, &off, NULL));
	CHECK_GE(alarms, 1);
	int before = alarms;
	struct msqid_ds ds = stat_of(id);
	ds.msg_qbytes = 1;
	CHECK_EQ(msgctl(id, IPC_SET, &ds), 0);
	CHECK_EQ(send(id, 1, "a", 0), 0);
	ASSERT_OK(setitimer(ITIMER_REAL, &it, NULL));
	CHECK_ERRNO(send(id, 1, "b", 0), -1, EINTR);
	ASSERT_OK(setitimer(ITIMER_REAL, &off, NULL));
	CHECK_GT(alarms, before);
	sigaction(SIGALRM, &old, NULL);
	alarm(50);
	CHECK_EQ(msgctl(id, IPC_RMID, NULL), 0);
}

static void test_permissions(void)
{
	int was_root = geteuid() == 0;
	int id = track(msgget(IPC_PRIVATE, 0000));
	int idr = track(msgget(IPC_PRIVATE, 0644));
	int idw = track(msgget(IPC_PRIVATE, 0622));
	ASSERT_GE(id, 0);
	ASSERT_GE(idr, 0);
	ASSERT_GE(idw, 0);
	CHECK_EQ(send(idr, 1, "r", 0), 0);
	pid_t pid = test_fork();
	ASSERT_OK(pid);
	if (pid == 0) {
		drop_privileges();
		struct msqid_ds ds;
		struct msg m;
		CHECK_ERRNO(send(id, 1, "x", IPC_NOWAIT), -1, EACCES);
		CHECK_ERRNO(recv(id, &m, sizeof(m.mtext), 0, IPC_NOWAIT), -1, EACCES);
		CHECK_ERRNO(msgctl(id, IPC_STAT, &ds), -1, EACCES);
		if (was_root) {
			CHECK_ERRNO(send(idr, 1, "x", IPC_NOWAIT), -1, EACCES);
			CHECK_EQ(recv(idr, &m, sizeof(m.mtext), 0, IPC_NOWAIT), 1);
			CHECK_EQ(send(idw, 1, "x", IPC_NOWAIT), 0);
			CHECK_ERRNO(recv(idw, &m, sizeof(m.mtext), 0, IPC_NOWAIT), -1, EACCES);
			CHECK_EQ(msgctl(idr, IPC_STAT, &ds), 0);
			CHECK_ERRNO(msgctl(idr, IPC_SET, &ds), -1, EPERM);
			CHECK_ERRNO(msgctl(idr, IPC_RMID, NULL), -1, EPERM);
			CHECK_ERRNO(msgctl(id % 32768, MSG_STAT, &ds), -1, EACCES);
			CHECK_EQ(msgctl(id % 32768, MSG_STAT_ANY, &ds), id);
		}
		child_exit();
	}
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);

	/* Raising msg_qbytes above msgmnb takes CAP_SYS_RESOURCE. */
	long mnb = read_long_file("/proc/sys/kernel/msgmnb", 16384);
	int idq = track(msgget(IPC_PRIVATE, 0600));
	ASSERT_GE(idq, 0);
	pid = test_fork();
	ASSERT_OK(pid);
	if (pid == 0) {
		struct msqid_ds ds = stat_of(idq);
		ds.msg_qbytes = mnb + 1;
		if (has_cap(CAP_SYS_RESOURCE)) {
			CHECK_EQ(msgctl(idq, IPC_SET, &ds), 0);
			CHECK_EQ(stat_of(idq).msg_qbytes, mnb + 1);
		} else {
			CHECK_ERRNO(msgctl(idq, IPC_SET, &ds), -1, EPERM);
		}
		if (was_root) {
			/* Give the queue away, then act as its owner without
			 * the capability. */
			ds = stat_of(idq);
			ds.msg_perm.uid = 65534;
			CHECK_EQ(msgctl(idq, IPC_SET, &ds), 0);
			drop_privileges();
			ds = stat_of(idq);
			CHECK_EQ(ds.msg_perm.uid, 65534);
			ds.msg_qbytes = mnb + 3;
			CHECK_ERRNO(msgctl(idq, IPC_SET, &ds), -1, EPERM);
			ds.msg_qbytes = mnb - 1;
			CHECK_EQ(msgctl(idq, IPC_SET, &ds), 0);
			CHECK_EQ(stat_of(idq).msg_qbytes, mnb - 1);
		}
		child_exit();
	}
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	CHECK_EQ(msgctl(id, IPC_RMID, NULL), 0);
	CHECK_EQ(msgctl(idr, IPC_RMID, NULL), 0);
	CHECK_EQ(msgctl(idw, IPC_RMID, NULL), 0);
	CHECK_EQ(msgctl(idq, IPC_RMID, NULL), 0);
}

static void run(void)
{
	test_basic();
	test_copy();
	test_keys();
	test_ctl();
	test_msg_fork();
	test_signal();
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
