//go:build ignore

/* wait4 and waitid: WNOHANG, WNOWAIT, waitid's siginfo, pid selectors,
 * ECHILD, and reaping order. */
#include "testutil.h"
#include <sys/resource.h>

static pid_t child(int code)
{
	pid_t p = fork();
	if (p == 0)
		_exit(code);
	return p;
}

int main(void)
{
	int st;
	CHECK_ERRNO(waitpid(-1, &st, WNOHANG), -1, ECHILD);
	CHECK_ERRNO(waitpid(-1, &st, 0x12345678), -1, EINVAL);

	/* WNOHANG with a running child returns 0. */
	int p[2];
	ASSERT_OK(pipe(p));
	pid_t a = fork();
	ASSERT_GE(a, 0);
	if (a == 0) {
		char c;
		close(p[1]);
		read(p[0], &c, 1);
		_exit(4);
	}
	close(p[0]);
	CHECK_EQ(waitpid(a, &st, WNOHANG), 0);
	close(p[1]);

	/* waitid with WNOWAIT leaves the zombie; a second wait reaps it. */
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	CHECK_OK(waitid(P_PID, a, &si, WEXITED | WNOWAIT));
	CHECK_EQ(si.si_pid, a);
	CHECK_EQ(si.si_signo, SIGCHLD);
	CHECK_EQ(si.si_code, CLD_EXITED);
	CHECK_EQ(si.si_status, 4);
	CHECK_EQ(waitpid(a, &st, 0), a);
	CHECK_EXITED(st, 4);
	CHECK_ERRNO(waitpid(a, &st, 0), -1, ECHILD);

	/* waitid WNOHANG with nothing ready: zeroed si_pid. */
	ASSERT_OK(pipe(p));
	pid_t b = fork();
	if (b == 0) {
		char c;
		close(p[1]);
		read(p[0], &c, 1);
		_exit(0);
	}
	close(p[0]);
	memset(&si, 0xff, sizeof(si));
	CHECK_OK(waitid(P_ALL, 0, &si, WEXITED | WNOHANG));
	CHECK_EQ(si.si_pid, 0);
	close(p[1]);
	CHECK_OK(waitid(P_PID, b, &si, WEXITED));
	CHECK_EQ(si.si_pid, b);
	CHECK_ERRNO(waitid(P_PID, b, &si, 0), -1, EINVAL);
	CHECK_ERRNO(waitid(99, 0, &si, WEXITED), -1, EINVAL);

	/* Killed children: waitid reports CLD_KILLED and the signal. */
	pid_t c = fork();
	if (c == 0) {
		pause();
		_exit(0);
	}
	CHECK_OK(kill(c, SIGKILL));
	CHECK_OK(waitid(P_PID, c, &si, WEXITED));
	CHECK_EQ(si.si_code, CLD_KILLED);
	CHECK_EQ(si.si_status, SIGKILL);

	/* Several children: each is reaped exactly once, by pid or any. */
	pid_t k1 = child(11), k2 = child(12), k3 = child(13);
	CHECK_EQ(waitpid(k2, &st, 0), k2);
	CHECK_EXITED(st, 12);
	int seen = 0;
	for (int i = 0; i < 2; i++) {
		pid_t w = waitpid(-1, &st, 0);
		if (w == k1) {
			CHECK_EXITED(st, 11);
			seen |= 1;
		} else if (w == k3) {
			CHECK_EXITED(st, 13);
			seen |= 2;
		} else {
			FAIL("unexpected pid %d", w);
		}
	}
	CHECK_EQ(seen, 3);
	CHECK_ERRNO(waitpid(-1, &st, 0), -1, ECHILD);

	/* Process-group selectors: waitpid(0) waits for our group only. */
	pid_t g = fork();
	if (g == 0) {
		setpgid(0, 0);
		_exit(7);
	}
	/* The child may not have changed groups yet; wait for it by pid. */
	struct rusage ru;
	CHECK_EQ(wait4(g, &st, 0, &ru), g);
	CHECK_EXITED(st, 7);
	CHECK_ERRNO(waitpid(0, &st, WNOHANG), -1, ECHILD);
	return test_done();
}
