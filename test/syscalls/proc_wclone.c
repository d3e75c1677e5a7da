//go:build ignore

/*
 * Children with an exit signal other than SIGCHLD ("clone" children):
 * wait without __WCLONE does not see them (ECHILD if they are the only
 * children), __WCLONE sees only them, __WALL sees both kinds; the parent
 * gets their exit signal, or none at all for exit signal 0; waitid takes
 * the same flags.
 */
#include "testutil.h"
#include <sched.h>

static long clone_sig(int sig)
{
	return RAW(SYS_clone, (unsigned long)sig, 0, NULL, NULL, 0);
}

int main(void)
{
	int st;
	sigset_t b;
	sigemptyset(&b);
	sigaddset(&b, SIGUSR2);
	sigaddset(&b, SIGCHLD);
	CHECK_OK(sigprocmask(SIG_BLOCK, &b, NULL));
	struct timespec ts = { 10, 0 }, zero = { 0, 0 };
	siginfo_t si;

	/* One clone child, exit signal SIGUSR2. */
	long c = clone_sig(SIGUSR2);
	if (c == 0)
		_exit(21);
	ASSERT_GT(c, 0);
	CHECK_EQ(sigtimedwait(&b, &si, &ts), SIGUSR2);
	CHECK_EQ(si.si_code, CLD_EXITED);
	CHECK_EQ(si.si_pid, c);
	CHECK_EQ(si.si_status, 21);
	CHECK_ERRNO(waitpid(-1, &st, WNOHANG), -1, ECHILD);
	CHECK_ERRNO(waitpid(c, &st, 0), -1, ECHILD);
	CHECK_ERRNO(waitid(P_PID, c, &si, WEXITED | WNOHANG), -1, ECHILD);
	CHECK_OK(waitid(P_PID, c, &si, WEXITED | WNOWAIT | __WCLONE));
	CHECK_EQ(si.si_pid, c);
	CHECK_EQ(si.si_signo, SIGCHLD); /* waitid always says SIGCHLD */
	CHECK_EQ(waitpid(c, &st, __WCLONE), c);
	CHECK_EXITED(st, 21);

	/* One of each: __WCLONE takes only the clone child, plain wait only
	 * the normal one, __WALL either. */
	long n = clone_sig(SIGCHLD);
	if (n == 0)
		_exit(1);
	c = clone_sig(SIGUSR2);
	if (c == 0)
		_exit(2);
	long z = clone_sig(0); /* no exit signal */
	if (z == 0)
		_exit(3);
	ASSERT_GT(n, 0);
	ASSERT_GT(c, 0);
	ASSERT_GT(z, 0);
	/* Wait for all three to be zombies. */
	CHECK_OK(waitid(P_PID, n, &si, WEXITED | WNOWAIT));
	CHECK_OK(waitid(P_PID, c, &si, WEXITED | WNOWAIT | __WCLONE));
	CHECK_OK(waitid(P_PID, z, &si, WEXITED | WNOWAIT | __WALL));
	CHECK_ERRNO(waitpid(n, &st, __WCLONE), -1, ECHILD);
	CHECK_ERRNO(waitpid(z, &st, WNOHANG), -1, ECHILD);
	CHECK_EQ(waitpid(-1, &st, 0), n);
	CHECK_EXITED(st, 1);
	CHECK_ERRNO(waitpid(-1, &st, WNOHANG), -1, ECHILD);
	/* Exit signal 0 counts as a clone child. */
	CHECK_EQ(waitpid(z, &st, __WCLONE), z);
	CHECK_EXITED(st, 3);
	CHECK_EQ(waitpid(-1, &st, __WALL), c);
	CHECK_EXITED(st, 2);
	CHECK_ERRNO(waitpid(-1, &st, __WALL | WNOHANG), -1, ECHILD);

	/* Signals received: SIGCHLD for n, SIGUSR2 for c, nothing for z. */
	int got_chld = 0, got_usr2 = 0;
	int s;
	while ((s = sigtimedwait(&b, &si, &zero)) > 0) {
		if (s == SIGCHLD) {
			got_chld++;
			CHECK_EQ(si.si_pid, n);
		} else {
			got_usr2++;
			CHECK_EQ(si.si_pid, c);
		}
	}
	CHECK_EQ(got_chld, 1);
	CHECK_EQ(got_usr2, 1);
	/* Unknown wait flags are EINVAL. */
	CHECK_ERRNO(waitpid(-1, &st, 0x10000000), -1, EINVAL);
	return test_done();
}
