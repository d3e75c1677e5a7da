//go:build ignore

/*
 * kill's targets: pid 0 (the caller's process group), -pgid (a given
 * group), -1 with signal 0 (existence), tgkill with a tid that is not in
 * tgid (ESRCH), a group with no members (ESRCH), and which processes a
 * group kill reaches (not those that left the group).
 */
#include "testutil.h"

static volatile int usr1;
static void on_usr1(int sig) { (void)sig; usr1++; }

/* member waits for SIGUSR1 with a handler and exits 10 when it came. */
static pid_t member(pid_t pgid, int ready_fd, long long wait_ns)
{
	pid_t pid = test_fork();
	if (pid == 0) {
		signal(SIGUSR1, on_usr1);
		if (pgid >= 0 && setpgid(0, pgid) != 0)
			_exit(2);
		if (write(ready_fd, "r", 1) != 1)
			_exit(3);
		long long t0 = now_ns();
		while (!usr1 && now_ns() - t0 < wait_ns)
			usleep(1000);
		_exit(usr1 ? 10 : 11);
	}
	return pid;
}

static void wait_ready(int fd, int n)
{
	char c;
	for (int i = 0; i < n; i++)
		if (read(fd, &c, 1) != 1)
			FATAL("ready read: errno %d", errno);
}

int main(void)
{
	int st, p[2];
	ASSERT_OK(pipe(p));

	/* A leader in a new group, a second member, and an outsider. */
	pid_t a = member(0, p[1], 5000000000LL);
	wait_ready(p[0], 1);
	pid_t b = member(a, p[1], 5000000000LL);
	pid_t out = member(-1, p[1], 300000000LL);
	wait_ready(p[0], 2);
	CHECK_EQ(getpgid(a), a);
	CHECK_EQ(getpgid(b), a);
	CHECK_NE(getpgid(out), a);
	CHECK_EQ(kill(-a, SIGUSR1), 0);
	CHECK_EQ(waitpid(a, &st, 0), a);
	CHECK_EXITED(st, 10);
	CHECK_EQ(waitpid(b, &st, 0), b);
	CHECK_EXITED(st, 10);
	/* The outsider got nothing. */
	CHECK_EQ(waitpid(out, &st, 0), out);
	CHECK_EXITED(st, 11);
	/* The group is now empty. */
	CHECK_ERRNO(kill(-a, SIGUSR1), -1, ESRCH);
	CHECK_ERRNO(kill(-a, 0), -1, ESRCH);

	/* kill(0, sig): a child that made its own group signals it, itself
	 * included; its parent (us) is not in that group. */
	signal(SIGUSR1, on_usr1);
	pid_t c = test_fork();
	if (c == 0) {
		usr1 = 0;
		CHECK_EQ(setpgid(0, 0), 0);
		int q[2];
		if (pipe(q) != 0)
			_exit(4);
		pid_t m = member(-1, q[1], 5000000000LL); /* stays in our new group */
		wait_ready(q[0], 1);
		CHECK_EQ(kill(0, SIGUSR1), 0);
		CHECK_EQ(usr1, 1); /* ourselves, before kill returned */
		int cst;
		CHECK_EQ(waitpid(m, &cst, 0), m);
		CHECK_EXITED(cst, 10);
		child_exit();
	}
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK_CHILD_OK(st);
	CHECK_EQ(usr1, 0);

	/* kill(-1, 0): there is someone we may signal (our children at least). */
	pid_t d = member(-1, p[1], 5000000000LL);
	wait_ready(p[0], 1);
	CHECK_EQ(kill(-1, 0), 0);
	/* tgkill with the wrong tgid: ESRCH, and nothing is sent. */
	CHECK_ERRNO(RAW(SYS_tgkill, getpid(), d, SIGUSR1), -1, ESRCH);
	CHECK_ERRNO(RAW(SYS_tgkill, d, getpid(), SIGUSR1), -1, ESRCH);
	CHECK_EQ(usr1, 0);
	/* The right pair works: tgid == tid for a single-threaded child. */
	CHECK_EQ(RAW(SYS_tgkill, d, d, SIGUSR1), 0);
	CHECK_EQ(waitpid(d, &st, 0), d);
	CHECK_EXITED(st, 10);
	/* A zombie still exists for kill until reaped. */
	pid_t z = test_fork();
	if (z == 0)
		_exit(0);
	siginfo_t si;
	CHECK_OK(waitid(P_PID, z, &si, WEXITED | WNOWAIT));
	CHECK_EQ(kill(z, 0), 0);
	CHECK_EQ(kill(z, SIGKILL), 0);
	/* ...and in its process group (here our own group). */
	CHECK_EQ(kill(-getpgid(0), 0), 0);
	pid_t zg = test_fork();
	if (zg == 0) {
		setpgid(0, 0);
		_exit(0);
	}
	CHECK_OK(waitid(P_PID, zg, &si, WEXITED | WNOWAIT));
	CHECK_EQ(kill(-zg, 0), 0);
	CHECK_EQ(kill(-zg, SIGUSR1), 0);
	CHECK_ERRNO(kill(-zg, 99), -1, EINVAL);
	CHECK_EQ(waitpid(zg, &st, 0), zg);
	CHECK_ERRNO(kill(-zg, 0), -1, ESRCH);
	CHECK_ERRNO(kill(-zg, 99), -1, ESRCH);
	CHECK_EQ(waitpid(z, &st, 0), z);
	CHECK_EXITED(st, 0);
	CHECK_ERRNO(kill(z, 0), -1, ESRCH);
	/* Errors: INT_MIN names no group; the target is looked up before the
	 * signal number is checked. */
	CHECK_ERRNO(kill(-2147483647 - 1, 0), -1, ESRCH);
	CHECK_ERRNO(kill(z, 99), -1, ESRCH);
	CHECK_ERRNO(kill(getpid(), 99), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_tgkill, -1, getpid(), 0), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_tkill, 0, 0), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_tkill, -5, 0), -1, EINVAL);
	return test_done();
}
