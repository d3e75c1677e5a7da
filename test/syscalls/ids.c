//go:build ignore

/*
 * getpid, getppid, gettid, and the user and group ids: consistent with each
 * other and across fork and threads (no particular uid is assumed).
 */
#include "testutil.h"
#include <pthread.h>
#include <grp.h>

static pid_t thread_tid, thread_pid;

static void *thread(void *arg)
{
	(void)arg;
	thread_tid = RAW(SYS_gettid);
	thread_pid = RAW(SYS_getpid);
	return NULL;
}

int main(void)
{
	pid_t pid = RAW(SYS_getpid);
	CHECK_GT(pid, 0);
	CHECK_EQ(getpid(), pid);
	/* In the main thread, tid == pid. */
	CHECK_EQ(RAW(SYS_gettid), pid);
	CHECK_EQ(gettid(), pid);
	pid_t ppid = RAW(SYS_getppid);
	CHECK_GE(ppid, 0);
	CHECK_NE(ppid, pid);

	/* In another thread: same pid, different tid. */
	pthread_t t;
	ASSERT_EQ(pthread_create(&t, NULL, thread, NULL), 0);
	CHECK_EQ(pthread_join(t, NULL), 0);
	CHECK_EQ(thread_pid, pid);
	CHECK_GT(thread_tid, 0);
	CHECK_NE(thread_tid, pid);

	/* In a child: a new pid (== its tid), and we are its parent. */
	int p[2];
	ASSERT_OK(pipe(p));
	pid_t c = test_fork();
	ASSERT_GE(c, 0);
	if (c == 0) {
		pid_t v[3] = { RAW(SYS_getpid), RAW(SYS_gettid), RAW(SYS_getppid) };
		CHECK_EQ(write(p[1], v, sizeof(v)), sizeof(v));
		child_exit();
	}
	pid_t v[3] = { 0, 0, 0 };
	CHECK_EQ(read(p[0], v, sizeof(v)), sizeof(v));
	CHECK_EQ(v[0], c);
	CHECK_EQ(v[1], c);
	CHECK_EQ(v[2], pid);
	int st;
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK_CHILD_OK(st);

	/* User and group ids: the single-id calls agree with getres*id. */
	uid_t ruid = RAW(SYS_getuid), euid = RAW(SYS_geteuid);
	gid_t rgid = RAW(SYS_getgid), egid = RAW(SYS_getegid);
	uid_t r, e, s;
	CHECK_EQ(RAW(SYS_getresuid, &r, &e, &s), 0);
	CHECK_EQ(r, ruid);
	CHECK_EQ(e, euid);
	/* A plain process (not setuid) has all three the same. */
	CHECK_EQ(s, euid);
	CHECK_EQ(ruid, euid);
	gid_t gr, ge, gs;
	CHECK_EQ(RAW(SYS_getresgid, &gr, &ge, &gs), 0);
	CHECK_EQ(gr, rgid);
	CHECK_EQ(ge, egid);
	CHECK_EQ(gs, egid);
	CHECK_EQ(rgid, egid);
	/* The libc wrappers agree. */
	CHECK_EQ(getuid(), ruid);
	CHECK_EQ(geteuid(), euid);
	CHECK_EQ(getgid(), rgid);
	CHECK_EQ(getegid(), egid);
	/* Threads share credentials. */
	CHECK_NE(ruid, (uid_t)-1);
	CHECK_NE(rgid, (gid_t)-1);

	/* getgroups: the count, then the list; size too small is EINVAL. */
	int n = RAW(SYS_getgroups, 0, NULL);
	CHECK_GE(n, 0);
	if (n >= 0 && n < 1024) {
		gid_t groups[1024];
		CHECK_EQ(RAW(SYS_getgroups, n, groups), n);
		if (n > 0)
			CHECK_ERRNO(RAW(SYS_getgroups, n - 1, groups), -1, EINVAL);
	}
	CHECK_ERRNO(RAW(SYS_getgroups, -1, NULL), -1, EINVAL);

	/* Setting the ids to their current values is always allowed. */
	CHECK_EQ(RAW(SYS_setresuid, -1, -1, -1), 0);
	CHECK_EQ(RAW(SYS_setresgid, -1, -1, -1), 0);
	CHECK_EQ(RAW(SYS_setuid, euid), 0);
	CHECK_EQ(RAW(SYS_setgid, egid), 0);
	CHECK_EQ(RAW(SYS_getuid), ruid);

	/* Process group and session: we are in some group and session. */
	pid_t pgid = RAW(SYS_getpgid, 0);
	CHECK_GT(pgid, 0);
	CHECK_EQ(RAW(SYS_getpgrp), pgid);
	CHECK_EQ(RAW(SYS_getpgid, pid), pgid);
	/* The session may be 0 when the harness was started from one (CI). */
	pid_t sid = RAW(SYS_getsid, 0);
	CHECK_GE(sid, 0);
	CHECK_EQ(RAW(SYS_getsid, pid), sid);
	/* A new session: the leader's pid names both the session and group. */
	c = test_fork();
	if (c == 0) {
		pid_t me = RAW(SYS_getpid);
		CHECK_EQ(RAW(SYS_setsid), me);
		CHECK_EQ(RAW(SYS_getsid, 0), me);
		CHECK_EQ(RAW(SYS_getpgid, 0), me);
		CHECK_ERRNO(RAW(SYS_setsid), -1, EPERM);
		child_exit();
	}
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK_CHILD_OK(st);
	CHECK_ERRNO(RAW(SYS_getpgid, 0x3fffffff), -1, ESRCH);
	return test_done();
}
