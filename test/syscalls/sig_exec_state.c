//go:build ignore

/*
 * Signal state across execve beyond dispositions and the mask: a blocked
 * pending signal is still pending in the new image, an alarm keeps
 * running, the parent-death signal setting survives (it is cleared only
 * for set-ID programs), SIGCHLD set to SIG_IGN stays ignored, and a
 * handled signal with SA_ONSTACK comes back as SIG_DFL without flags.
 */
#include "testutil.h"
#include <sys/prctl.h>

static int child_main(void)
{
	/* In the new image. */
	sigset_t p, m;
	CHECK_OK(sigpending(&p));
	CHECK_EQ(sigismember(&p, SIGUSR1), 1);
	CHECK_EQ(sigismember(&p, SIGRTMIN), 1);
	CHECK_OK(sigprocmask(SIG_BLOCK, NULL, &m));
	CHECK_EQ(sigismember(&m, SIGUSR1), 1);
	/* The real-time signal kept its value. */
	siginfo_t si;
	struct timespec zero = { 0, 0 };
	sigset_t w;
	sigemptyset(&w);
	sigaddset(&w, SIGRTMIN);
	CHECK_EQ(sigtimedwait(&w, &si, &zero), SIGRTMIN);
	CHECK_EQ(si.si_value.sival_int, 4321);
	unsigned left = alarm(0);
	CHECK(left >= 95 && left <= 100);
	int pd = -1;
	CHECK_OK(prctl(PR_GET_PDEATHSIG, &pd));
	CHECK_EQ(pd, SIGUSR2);
	struct sigaction sa;
	CHECK_OK(sigaction(SIGCHLD, NULL, &sa));
	CHECK_EQ(sa.sa_handler, SIG_IGN);
	CHECK_OK(sigaction(SIGHUP, NULL, &sa));
	CHECK_EQ(sa.sa_handler, SIG_DFL);
	CHECK_EQ(sa.sa_flags & (SA_ONSTACK | SA_RESTART | SA_SIGINFO), 0);
	child_exit();
}

static void handler(int sig) { (void)sig; }

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "child") == 0)
		return child_main();
	pid_t pid = test_fork();
	if (pid == 0) {
		sigset_t b;
		sigemptyset(&b);
		sigaddset(&b, SIGUSR1);
		sigaddset(&b, SIGRTMIN);
		CHECK_OK(sigprocmask(SIG_BLOCK, &b, NULL));
		CHECK_OK(kill(getpid(), SIGUSR1));
		union sigval v = { .sival_int = 4321 };
		CHECK_OK(sigqueue(getpid(), SIGRTMIN, v));
		alarm(100);
		CHECK_OK(prctl(PR_SET_PDEATHSIG, SIGUSR2));
		signal(SIGCHLD, SIG_IGN);
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = handler;
		sa.sa_flags = SA_ONSTACK | SA_RESTART;
		CHECK_OK(sigaction(SIGHUP, &sa, NULL));
		char *args[] = { argv[0], "child", NULL };
		char *env[] = { "MOAT_KEEP_SIGNALS=1", NULL };
		execve("/proc/self/exe", args, env);
		FATAL("execve: errno %d", errno);
	}
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	return test_done();
}
