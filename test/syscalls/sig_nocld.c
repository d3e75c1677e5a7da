//go:build ignore

/*
 * SIGCHLD's special actions: SA_NOCLDSTOP (no SIGCHLD when a child stops
 * or continues, but still when it exits), SA_NOCLDWAIT (children are
 * reaped at exit and wait reports ECHILD, though SIGCHLD is still sent to
 * a handler), and SIGCHLD set to SIG_IGN (reaped too; a waiting wait
 * returns ECHILD once the last child is gone; the default action does not
 * reap).
 */
#include "testutil.h"

static volatile int chld, last_code;
static void on_chld(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	last_code = si->si_code;
	chld++;
}

static void wait_for(volatile int *v, int want)
{
	long long t0 = now_ns();
	while (*v < want && now_ns() - t0 < 5000000000LL)
		usleep(1000);
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_chld;
	sa.sa_flags = SA_SIGINFO | SA_NOCLDSTOP | SA_RESTART;
	CHECK_OK(sigaction(SIGCHLD, &sa, NULL));
	struct sigaction got;
	CHECK_OK(sigaction(SIGCHLD, NULL, &got));
	CHECK(got.sa_flags & SA_NOCLDSTOP);
	int st;

	/* SA_NOCLDSTOP: stop and continue are silent, exit is not. */
	pid_t pid = test_fork();
	if (pid == 0) {
		for (;;)
			pause();
	}
	CHECK_OK(kill(pid, SIGSTOP));
	CHECK_EQ(waitpid(pid, &st, WUNTRACED), pid);
	CHECK(WIFSTOPPED(st));
	CHECK_OK(kill(pid, SIGCONT));
	CHECK_EQ(waitpid(pid, &st, WCONTINUED), pid);
	CHECK(WIFCONTINUED(st));
	usleep(20000);
	CHECK_EQ(chld, 0);
	CHECK_OK(kill(pid, SIGKILL));
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	wait_for(&chld, 1);
	CHECK_EQ(chld, 1);
	CHECK_EQ(last_code, CLD_KILLED);

	/* SA_NOCLDWAIT: the handler runs, but the child is gone. */
	sa.sa_flags = SA_SIGINFO | SA_NOCLDWAIT | SA_RESTART;
	CHECK_OK(sigaction(SIGCHLD, &sa, NULL));
	pid = test_fork();
	if (pid == 0)
		_exit(3);
	wait_for(&chld, 2);
	CHECK_EQ(chld, 2);
	CHECK_EQ(last_code, CLD_EXITED);
	CHECK_ERRNO(waitpid(pid, &st, 0), -1, ECHILD);
	CHECK_ERRNO(kill(pid, 0), -1, ESRCH);
	/* A blocking wait with children still running waits for them all. */
	pid_t a = test_fork();
	if (a == 0) {
		usleep(50000);
		_exit(0);
	}
	pid_t b = test_fork();
	if (b == 0) {
		usleep(100000);
		_exit(0);
	}
	long long t0 = now_ns();
	CHECK_ERRNO(waitpid(-1, &st, 0), -1, ECHILD);
	CHECK_GE(now_ns() - t0, 40000000LL);
	CHECK_ERRNO(kill(a, 0), -1, ESRCH);
	CHECK_ERRNO(kill(b, 0), -1, ESRCH);

	/* SIG_IGN: reaped, no handler, wait ECHILD. */
	signal(SIGCHLD, SIG_IGN);
	int before = chld;
	pid = test_fork();
	if (pid == 0)
		_exit(0);
	t0 = now_ns();
	CHECK_ERRNO(waitpid(pid, &st, 0), -1, ECHILD);
	CHECK_EQ(chld, before);
	siginfo_t si;
	CHECK_ERRNO(waitid(P_ALL, 0, &si, WEXITED), -1, ECHILD);

	/* Back to SIG_DFL: the zombie stays until waited for. */
	signal(SIGCHLD, SIG_DFL);
	pid = test_fork();
	if (pid == 0)
		_exit(9);
	CHECK_OK(waitid(P_PID, pid, &si, WEXITED | WNOWAIT));
	CHECK_EQ(kill(pid, 0), 0);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_EXITED(st, 9);
	/* SIG_IGN set while a zombie exists does not reap it (Linux). */
	pid = test_fork();
	if (pid == 0)
		_exit(4);
	CHECK_OK(waitid(P_PID, pid, &si, WEXITED | WNOWAIT));
	signal(SIGCHLD, SIG_IGN);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_EXITED(st, 4);
	signal(SIGCHLD, SIG_DFL);
	return test_done();
}
