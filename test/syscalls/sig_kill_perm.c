//go:build ignore

/*
 * Who may signal whom: an unprivileged process may signal processes whose
 * real or saved UID matches its real or effective UID, and no others
 * (EPERM, also for signal 0); SIGCONT is allowed to any process in the
 * same session, and across sessions only under the UID rule. (kill(-1)
 * is left out: natively it would reach the host's processes.) (Needs root to create the users; otherwise only the
 * checks on ourselves run.)
 */
#include "testutil.h"

static volatile int got;
static void on_sig(int sig) { (void)sig; got++; }

/* A child that runs as uid (real, effective and saved), waits for a
 * signal with a handler for SIGUSR1 and SIGCONT, and exits 50 + count. */
static pid_t victim(uid_t uid, int ready_fd, long long wait_ns)
{
	pid_t pid = test_fork();
	if (pid == 0) {
		signal(SIGUSR1, on_sig);
		signal(SIGCONT, on_sig);
		if (uid != (uid_t)-1 && setresuid(uid, uid, uid) != 0)
			_exit(2);
		if (write(ready_fd, "r", 1) != 1)
			_exit(3);
		long long t0 = now_ns();
		while (!got && now_ns() - t0 < wait_ns)
			usleep(1000);
		usleep(20000);
		_exit(50 + got);
	}
	return pid;
}

int main(void)
{
	CHECK_EQ(kill(getpid(), 0), 0);
	if (getuid() != 0)
		return test_done();
	int p[2], st;
	char c;
	ASSERT_OK(pipe(p));
	/* Victims: one as root, one as 1001, one as 1002 with its own session. */
	pid_t vroot = victim(-1, p[1], 500000000LL);
	pid_t v1001 = victim(1001, p[1], 5000000000LL);
	CHECK_EQ(read(p[0], &c, 1), 1);
	CHECK_EQ(read(p[0], &c, 1), 1);

	/* The attacker runs as real 1001, effective 1003, saved 1004. */
	pid_t a = test_fork();
	if (a == 0) {
		if (setresuid(1001, 1003, 1004) != 0)
			_exit(2);
		/* Root's process: EPERM, even for signal 0. */
		CHECK_ERRNO(kill(vroot, SIGUSR1), -1, EPERM);
		CHECK_ERRNO(kill(vroot, 0), -1, EPERM);
		/* SIGCONT: same session, so allowed. */
		CHECK_EQ(kill(vroot, SIGCONT), 0);
		/* Our real UID matches the victim's: allowed. */
		CHECK_EQ(kill(v1001, SIGUSR1), 0);
		/* Our parent (root): EPERM. */
		CHECK_ERRNO(kill(getppid(), SIGUSR1), -1, EPERM);
		child_exit();
	}
	CHECK_EQ(waitpid(a, &st, 0), a);
	CHECK_CHILD_OK(st);
	CHECK_EQ(waitpid(vroot, &st, 0), vroot);
	CHECK_EXITED(st, 51); /* the SIGCONT's handler ran */
	CHECK_EQ(waitpid(v1001, &st, 0), v1001);
	CHECK_EXITED(st, 51);

	/* SIGCONT across sessions is subject to the UID rule. */
	vroot = victim(-1, p[1], 300000000LL);
	CHECK_EQ(read(p[0], &c, 1), 1);
	a = test_fork();
	if (a == 0) {
		if (setsid() < 0 || setresuid(1001, 1001, 1001) != 0)
			_exit(2);
		CHECK_ERRNO(kill(vroot, SIGCONT), -1, EPERM);
		child_exit();
	}
	CHECK_EQ(waitpid(a, &st, 0), a);
	CHECK_CHILD_OK(st);
	CHECK_EQ(waitpid(vroot, &st, 0), vroot);
	CHECK_EXITED(st, 50);

	/* Saved UID of the target counts too: a victim with real 1005, saved
	 * 1006 is reachable from a process whose effective UID is 1006. */
	pid_t v = test_fork();
	if (v == 0) {
		signal(SIGUSR1, on_sig);
		if (setresuid(1005, 1005, 1006) != 0)
			_exit(2);
		if (write(p[1], "r", 1) != 1)
			_exit(3);
		long long t0 = now_ns();
		while (!got && now_ns() - t0 < 5000000000LL)
			usleep(1000);
		_exit(50 + got);
	}
	CHECK_EQ(read(p[0], &c, 1), 1);
	a = test_fork();
	if (a == 0) {
		if (setresuid(1007, 1006, 1007) != 0)
			_exit(2);
		CHECK_EQ(kill(v, SIGUSR1), 0);
		child_exit();
	}
	CHECK_EQ(waitpid(a, &st, 0), a);
	CHECK_CHILD_OK(st);
	CHECK_EQ(waitpid(v, &st, 0), v);
	CHECK_EXITED(st, 51);
	return test_done();
}
