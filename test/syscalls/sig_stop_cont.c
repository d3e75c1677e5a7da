//go:build ignore

/*
 * Stop and continue semantics: SIGCONT continues a stopped process even
 * when blocked or ignored, and a handler for it runs once unblocked; a
 * SIGCONT discards pending stop signals and a stop signal discards a
 * pending SIGCONT; SIGKILL ends a stopped process; stop signals with a
 * handler do not stop; SIGTSTP/SIGTTIN/SIGTTOU with the default action
 * are discarded in an orphaned process group, while SIGSTOP still stops.
 */
#include "testutil.h"

static volatile int conts;
static void on_cont(int sig) { (void)sig; conts++; }
static volatile int tstps;
static void on_tstp(int sig) { (void)sig; tstps++; }

static int wait_stopped(pid_t pid)
{
	int st;
	if (waitpid(pid, &st, WUNTRACED) != pid)
		return -1;
	return WIFSTOPPED(st) ? WSTOPSIG(st) : -2;
}

int main(void)
{
	int st;
	sigset_t b, p;

	/* Blocked SIGCONT still continues; the handler runs when unblocked. */
	int pp[2], gp[2];
	ASSERT_OK(pipe(pp));
	ASSERT_OK(pipe(gp));
	pid_t pid = test_fork();
	if (pid == 0) {
		signal(SIGCONT, on_cont);
		sigemptyset(&b);
		sigaddset(&b, SIGCONT);
		sigprocmask(SIG_BLOCK, &b, NULL);
		if (write(pp[1], "r", 1) != 1)
			_exit(2);
		/* Spin until continued and told to go on. */
		char c;
		if (read(gp[0], &c, 1) != 1)
			_exit(3);
		sigpending(&p);
		int pending = sigismember(&p, SIGCONT);
		sigprocmask(SIG_UNBLOCK, &b, NULL);
		_exit(pending && conts == 1 ? 0 : 4);
	}
	char c;
	CHECK_EQ(read(pp[0], &c, 1), 1);
	CHECK_OK(kill(pid, SIGSTOP));
	CHECK_EQ(wait_stopped(pid), SIGSTOP);
	CHECK_OK(kill(pid, SIGCONT));
	CHECK_EQ(waitpid(pid, &st, WCONTINUED), pid);
	CHECK(WIFCONTINUED(st));
	CHECK_EQ(write(gp[1], "g", 1), 1);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);

	/* Pending-signal interplay, seen in a child that blocks everything. */
	pid = test_fork();
	if (pid == 0) {
		sigfillset(&b);
		sigprocmask(SIG_BLOCK, &b, NULL);
		raise(SIGTSTP);
		raise(SIGTTIN);
		sigpending(&p);
		CHECK_EQ(sigismember(&p, SIGTSTP), 1);
		CHECK_EQ(sigismember(&p, SIGTTIN), 1);
		/* SIGCONT discards pending stop signals. */
		raise(SIGCONT);
		sigpending(&p);
		CHECK_EQ(sigismember(&p, SIGTSTP), 0);
		CHECK_EQ(sigismember(&p, SIGTTIN), 0);
		CHECK_EQ(sigismember(&p, SIGCONT), 1);
		/* A stop signal discards a pending SIGCONT. */
		raise(SIGTTOU);
		sigpending(&p);
		CHECK_EQ(sigismember(&p, SIGCONT), 0);
		CHECK_EQ(sigismember(&p, SIGTTOU), 1);
		/* Ignore it so that unblocking does nothing. */
		signal(SIGTTOU, SIG_IGN);
		sigprocmask(SIG_UNBLOCK, &b, NULL);
		child_exit();
	}
	CHECK_EQ(waitpid(pid, &st, WUNTRACED), pid);
	CHECK_CHILD_OK(st);

	/* A handled SIGTSTP does not stop; SIGKILL ends a stopped process. */
	pid = test_fork();
	if (pid == 0) {
		signal(SIGTSTP, on_tstp);
		raise(SIGTSTP);
		if (tstps != 1)
			_exit(5);
		raise(SIGSTOP);
		_exit(6);
	}
	CHECK_EQ(wait_stopped(pid), SIGSTOP);
	CHECK_OK(kill(pid, SIGKILL));
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_SIGNALED(st, SIGKILL);

	/* An orphaned process group: a child in its own group whose parent is
	 * in another session would not be orphaned, so make a new session
	 * (a session leader's group has no parent in the session: orphaned). */
	pid = test_fork();
	if (pid == 0) {
		if (setsid() < 0)
			_exit(7);
		/* Default-action SIGTSTP, SIGTTIN, SIGTTOU are discarded. */
		raise(SIGTSTP);
		raise(SIGTTIN);
		raise(SIGTTOU);
		sigpending(&p);
		if (sigismember(&p, SIGTSTP))
			_exit(8);
		_exit(9);
	}
	CHECK_EQ(waitpid(pid, &st, WUNTRACED), pid);
	CHECK_EXITED(st, 9);
	/* SIGSTOP is not. */
	pid = test_fork();
	if (pid == 0) {
		if (setsid() < 0)
			_exit(7);
		raise(SIGSTOP);
		_exit(10);
	}
	CHECK_EQ(wait_stopped(pid), SIGSTOP);
	CHECK_OK(kill(pid, SIGCONT));
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_EXITED(st, 10);
	return test_done();
}
