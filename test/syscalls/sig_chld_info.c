//go:build ignore

/*
 * SIGCHLD's siginfo for each change of a child: CLD_EXITED with the exit
 * code, CLD_KILLED with the signal, CLD_STOPPED and CLD_CONTINUED (with
 * SIGSTOP/SIGCONT in si_status), si_pid and si_uid of the child, and the
 * matching wait statuses. Core-dumping signals are sent to a child that
 * made itself non-dumpable, so no core is written whatever the host's
 * core settings, and the report is CLD_KILLED without WCOREDUMP.
 */
#include "testutil.h"
#include <sys/prctl.h>

static siginfo_t next_chld(void)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGCHLD);
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	struct timespec ts = { 10, 0 };
	if (sigtimedwait(&s, &si, &ts) != SIGCHLD)
		FAIL("sigtimedwait SIGCHLD: errno %d", errno);
	return si;
}

int main(void)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGCHLD);
	CHECK_OK(sigprocmask(SIG_BLOCK, &s, NULL));
	int st;
	siginfo_t si;

	/* Exit. */
	pid_t pid = test_fork();
	if (pid == 0)
		_exit(42);
	si = next_chld();
	CHECK_EQ(si.si_signo, SIGCHLD);
	CHECK_EQ(si.si_code, CLD_EXITED);
	CHECK_EQ(si.si_pid, pid);
	CHECK_EQ(si.si_uid, getuid());
	CHECK_EQ(si.si_status, 42);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_EXITED(st, 42);

	/* Killed. */
	pid = test_fork();
	if (pid == 0) {
		pause();
		_exit(1);
	}
	CHECK_OK(kill(pid, SIGTERM));
	si = next_chld();
	CHECK_EQ(si.si_code, CLD_KILLED);
	CHECK_EQ(si.si_pid, pid);
	CHECK_EQ(si.si_status, SIGTERM);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_SIGNALED(st, SIGTERM);
	CHECK_EQ(WCOREDUMP(st), 0);

	/* A core signal to a non-dumpable process: killed, no core. */
	pid = test_fork();
	if (pid == 0) {
		prctl(PR_SET_DUMPABLE, 0);
		raise(SIGQUIT);
		_exit(1);
	}
	si = next_chld();
	CHECK_EQ(si.si_code, CLD_KILLED);
	CHECK_EQ(si.si_status, SIGQUIT);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_SIGNALED(st, SIGQUIT);
	CHECK_EQ(WCOREDUMP(st), 0);

	/* Stopped, continued, then killed. The child gets a process group of
	 * its own, whose parent (us) is outside it: not an orphaned group,
	 * where SIGTSTP would be discarded (in a sandbox we may be init, and
	 * init's own group is orphaned). */
	pid = test_fork();
	if (pid == 0) {
		setpgid(0, 0);
		for (;;)
			pause();
	}
	CHECK_OK(setpgid(pid, pid));
	CHECK_OK(kill(pid, SIGSTOP));
	si = next_chld();
	CHECK_EQ(si.si_code, CLD_STOPPED);
	CHECK_EQ(si.si_pid, pid);
	CHECK_EQ(si.si_status, SIGSTOP);
	CHECK_EQ(waitpid(pid, &st, WUNTRACED), pid);
	CHECK(WIFSTOPPED(st));
	CHECK_EQ(WSTOPSIG(st), SIGSTOP);
	/* A stop is reported to wait once. */
	CHECK_EQ(waitpid(pid, &st, WUNTRACED | WNOHANG), 0);
	/* Stopping a stopped process sends nothing more. */
	CHECK_OK(kill(pid, SIGSTOP));
	struct timespec zero = { 0, 0 };
	CHECK_ERRNO(sigtimedwait(&s, &si, &zero), -1, EAGAIN);

	CHECK_OK(kill(pid, SIGCONT));
	si = next_chld();
	CHECK_EQ(si.si_code, CLD_CONTINUED);
	CHECK_EQ(si.si_pid, pid);
	CHECK_EQ(si.si_status, SIGCONT);
	CHECK_EQ(waitpid(pid, &st, WCONTINUED), pid);
	CHECK(WIFCONTINUED(st));
	CHECK_EQ(waitpid(pid, &st, WCONTINUED | WNOHANG), 0);

	/* SIGTSTP with the default action stops too, reported with its number. */
	CHECK_OK(kill(pid, SIGTSTP));
	si = next_chld();
	CHECK_EQ(si.si_code, CLD_STOPPED);
	CHECK_EQ(si.si_status, SIGTSTP);
	CHECK_EQ(waitpid(pid, &st, WUNTRACED), pid);
	CHECK(WIFSTOPPED(st));
	CHECK_EQ(WSTOPSIG(st), SIGTSTP);
	/* SIGKILL ends a stopped process. */
	CHECK_OK(kill(pid, SIGKILL));
	si = next_chld();
	CHECK_EQ(si.si_code, CLD_KILLED);
	CHECK_EQ(si.si_status, SIGKILL);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_SIGNALED(st, SIGKILL);
	CHECK_ERRNO(sigtimedwait(&s, &si, &zero), -1, EAGAIN);
	return test_done();
}
