//go:build ignore

/*
 * Default signal actions in forked children: raise(SIGSEGV) and a real fault
 * kill with SIGSEGV, abort() with SIGABRT; ignored and stop signals do not kill.
 */
#include "testutil.h"
#include <signal.h>
#include <sys/resource.h>

static int child_status(void (*fn)(void))
{
	pid_t pid = fork();
	if (pid < 0)
		FATAL("fork: errno %d", errno);
	if (pid == 0) {
		/* No core files, whatever the system's settings. */
		struct rlimit rl = { 0, 0 };
		setrlimit(RLIMIT_CORE, &rl);
		fn();
		_exit(99);
	}
	int status;
	if (waitpid(pid, &status, 0) != pid)
		FATAL("waitpid: errno %d", errno);
	return status;
}

static void do_raise_segv(void) { raise(SIGSEGV); }
static void do_fault(void) { *(volatile int *)16 = 1; }
static void do_abort(void) { abort(); }
static void do_kill_self_term(void) { kill(getpid(), SIGTERM); }
static void do_ignored(void)
{
	signal(SIGTERM, SIG_IGN);
	kill(getpid(), SIGTERM);
	/* SIGCHLD and SIGURG and SIGWINCH default to ignore. */
	kill(getpid(), SIGCHLD);
	kill(getpid(), SIGURG);
	kill(getpid(), SIGWINCH);
	_exit(5);
}
static void do_segv_handled_then_default(void)
{
	/* A caught SIGSEGV whose handler resets the action: the re-executed
	 * fault kills. */
	signal(SIGSEGV, SIG_DFL);
	*(volatile int *)24 = 1;
}
static void do_blocked_segv_fault(void)
{
	/* A fault with SIGSEGV blocked still kills (the kernel forces it). */
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGSEGV);
	sigprocmask(SIG_BLOCK, &s, NULL);
	*(volatile int *)32 = 1;
}
static void do_ignored_segv_fault(void)
{
	/* Likewise with SIGSEGV ignored. */
	signal(SIGSEGV, SIG_IGN);
	*(volatile int *)40 = 1;
}
static void do_stop_cont(void)
{
	/* SIGCONT to a running process: nothing happens. */
	kill(getpid(), SIGCONT);
	_exit(6);
}

int main(void)
{
	int st;
	st = child_status(do_raise_segv);
	CHECK_SIGNALED(st, SIGSEGV);
	st = child_status(do_fault);
	CHECK_SIGNALED(st, SIGSEGV);
	st = child_status(do_abort);
	CHECK_SIGNALED(st, SIGABRT);
	st = child_status(do_kill_self_term);
	CHECK_SIGNALED(st, SIGTERM);
	CHECK_EQ(WCOREDUMP(st), 0);
	st = child_status(do_ignored);
	CHECK_EXITED(st, 5);
	st = child_status(do_segv_handled_then_default);
	CHECK_SIGNALED(st, SIGSEGV);
	st = child_status(do_blocked_segv_fault);
	CHECK_SIGNALED(st, SIGSEGV);
	st = child_status(do_ignored_segv_fault);
	CHECK_SIGNALED(st, SIGSEGV);
	st = child_status(do_stop_cont);
	CHECK_EXITED(st, 6);

	/* SIGSTOP then SIGCONT observed through WUNTRACED / WCONTINUED. */
	int p[2];
	ASSERT_OK(pipe(p));
	pid_t pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		close(p[1]);
		char c;
		if (read(p[0], &c, 1) != 1)
			_exit(2);
		_exit(4);
	}
	close(p[0]);
	CHECK_EQ(kill(pid, SIGSTOP), 0);
	CHECK_EQ(waitpid(pid, &st, WUNTRACED), pid);
	CHECK(WIFSTOPPED(st));
	CHECK_EQ(WSTOPSIG(st), SIGSTOP);
	CHECK_EQ(kill(pid, SIGCONT), 0);
	CHECK_EQ(waitpid(pid, &st, WCONTINUED), pid);
	CHECK(WIFCONTINUED(st));
	CHECK_EQ(write(p[1], "x", 1), 1);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_EXITED(st, 4);
	close(p[1]);
	return test_done();
}
