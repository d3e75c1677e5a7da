//go:build ignore

/*
 * What reparenting does to a child besides changing its parent: a child
 * whose exit signal was not SIGCHLD gets SIGCHLD (it is then waited for
 * without __WCLONE, and its new parent gets SIGCHLD); a child that is
 * already a zombie when it is reparented is reported to its new parent at
 * once, so a subreaper that ignores SIGCHLD has it reaped automatically.
 * Run inside a subreaper child, never as init.
 */
#include "testutil.h"
#include <sys/prctl.h>

static void subreaper(void)
{
	CHECK_OK(prctl(PR_SET_CHILD_SUBREAPER, 1));
	int st;
	sigset_t b;
	sigemptyset(&b);
	sigaddset(&b, SIGCHLD);
	sigaddset(&b, SIGUSR1);
	CHECK_OK(sigprocmask(SIG_BLOCK, &b, NULL));
	int p[2], q[2];
	ASSERT_OK(pipe(p));
	ASSERT_OK(pipe(q));

	/* 1. A clone child with exit signal SIGUSR1 is orphaned. */
	pid_t c = fork();
	if (c == 0) {
		long g = RAW(SYS_clone, (unsigned long)SIGUSR1, 0, NULL, NULL, 0);
		if (g == 0) {
			char x;
			/* Wait until our parent is gone (EOF), then exit. */
			close(q[1]);
			close(p[0]);
			close(p[1]);
			while (read(q[0], &x, 1) > 0)
				;
			usleep(20000);
			_exit(61);
		}
		pid_t gp = (pid_t)g;
		if (write(p[1], &gp, sizeof(gp)) != sizeof(gp))
			_exit(2);
		_exit(0);
	}
	close(q[0]);
	close(q[1]);
	pid_t g;
	CHECK_EQ(read(p[0], &g, sizeof(g)), (ssize_t)sizeof(g));
	close(p[1]);
	CHECK_EQ(waitpid(c, &st, 0), c);
	/* Now ours, and a plain child: no __WCLONE needed. */
	CHECK_EQ(waitpid(g, &st, 0), g);
	CHECK_EXITED(st, 61);
	close(p[0]);
	/* SIGCHLD came (for c and g); SIGUSR1 did not. */
	sigset_t pend;
	CHECK_OK(sigpending(&pend));
	CHECK_EQ(sigismember(&pend, SIGCHLD), 1);
	CHECK_EQ(sigismember(&pend, SIGUSR1), 0);
	siginfo_t si;
	struct timespec zero = { 0, 0 };
	while (sigtimedwait(&b, &si, &zero) > 0)
		;

	/* 2. A zombie reparented to a subreaper that ignores SIGCHLD is
	 * reaped at once. */
	signal(SIGCHLD, SIG_IGN);
	CHECK_OK(sigprocmask(SIG_UNBLOCK, &b, NULL));
	c = fork();
	if (c == 0) {
		signal(SIGCHLD, SIG_DFL);
		pid_t z = fork();
		if (z == 0)
			_exit(0);
		siginfo_t zi;
		/* Leave it a zombie, then exit. */
		if (waitid(P_PID, z, &zi, WEXITED | WNOWAIT) != 0)
			_exit(3);
		_exit(0);
	}
	/* Both c (ignored SIGCHLD) and its zombie child are reaped: a wait
	 * finds no child at all once they are gone. */
	CHECK_ERRNO(waitpid(-1, &st, 0), -1, ECHILD);
	signal(SIGCHLD, SIG_DFL);
}

int main(void)
{
	pid_t s = test_fork();
	if (s == 0) {
		subreaper();
		child_exit();
	}
	int st;
	CHECK_EQ(waitpid(s, &st, 0), s);
	CHECK_CHILD_OK(st);
	return test_done();
}
