//go:build ignore

/*
 * rt_sigpending and rt_sigsuspend: pending shows the union of the
 * thread's and the process's pending signals, only blocked ones; a
 * signal pending for another thread is not ours; sigsuspend swaps in its
 * mask, runs the handler with that mask plus sa_mask, returns EINTR and
 * restores the old mask; a signal already pending and unblocked by the
 * suspend mask is taken at once; errors.
 */
#include "testutil.h"
#include <pthread.h>

static volatile int hits, in_handler_usr2_blocked, in_handler_hup_blocked;

static void handler(int sig)
{
	(void)sig;
	sigset_t m;
	sigprocmask(SIG_BLOCK, NULL, &m);
	in_handler_usr2_blocked = sigismember(&m, SIGUSR2);
	in_handler_hup_blocked = sigismember(&m, SIGHUP);
	hits++;
}

static volatile pid_t child_tid;
static volatile int stop_thread;

static void *blocker(void *arg)
{
	(void)arg;
	sigset_t b;
	sigfillset(&b);
	pthread_sigmask(SIG_BLOCK, &b, NULL);
	child_tid = (pid_t)RAW(SYS_gettid);
	while (!stop_thread)
		sched_yield();
	/* The thread-directed signal is pending here, not in main. */
	sigset_t p;
	sigpending(&p);
	return (void *)(long)sigismember(&p, SIGWINCH);
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGHUP);
	CHECK_OK(sigaction(SIGUSR1, &sa, NULL));

	sigset_t block, p, old;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGUSR2);
	sigaddset(&block, SIGWINCH);
	CHECK_OK(sigprocmask(SIG_BLOCK, &block, &old));

	/* Nothing pending yet. */
	uint64_t w = ~0ULL;
	CHECK_EQ(RAW(SYS_rt_sigpending, &w, 8), 0);
	CHECK_EQ(w, 0);
	/* Process-directed and thread-directed both show. */
	CHECK_OK(kill(getpid(), SIGUSR2));
	CHECK_OK(RAW(SYS_tgkill, getpid(), RAW(SYS_gettid), SIGUSR1));
	CHECK_EQ(RAW(SYS_rt_sigpending, &w, 8), 0);
	CHECK_EQ(w, (1ULL << (SIGUSR1 - 1)) | (1ULL << (SIGUSR2 - 1)));

	/* A signal sent to another thread that blocks it is pending there only. */
	pthread_t th;
	ASSERT_EQ(pthread_create(&th, NULL, blocker, NULL), 0);
	while (!child_tid)
		sched_yield();
	CHECK_OK(RAW(SYS_tgkill, getpid(), child_tid, SIGWINCH));
	CHECK_OK(sigpending(&p));
	CHECK_EQ(sigismember(&p, SIGWINCH), 0);
	stop_thread = 1;
	void *ret;
	CHECK_EQ(pthread_join(th, &ret), 0);
	CHECK_EQ((long)ret, 1);

	/* sigsuspend with a mask that unblocks SIGUSR1: the pending one runs at
	 * once, with SIGUSR2 still blocked (suspend mask) and SIGHUP (sa_mask). */
	sigset_t susp;
	sigemptyset(&susp);
	sigaddset(&susp, SIGUSR2);
	errno = 0;
	CHECK_ERRNO(RAW(SYS_rt_sigsuspend, &susp, 8), -1, EINTR);
	CHECK_EQ(hits, 1);
	CHECK_EQ(in_handler_usr2_blocked, 1);
	CHECK_EQ(in_handler_hup_blocked, 1);
	/* The old mask is back: SIGUSR2 still pending, SIGUSR1 blocked. */
	sigset_t now;
	CHECK_OK(sigprocmask(SIG_BLOCK, NULL, &now));
	CHECK_EQ(sigismember(&now, SIGUSR1), 1);
	CHECK_EQ(sigismember(&now, SIGHUP), 0);
	CHECK_OK(sigpending(&p));
	CHECK_EQ(sigismember(&p, SIGUSR1), 0);
	CHECK_EQ(sigismember(&p, SIGUSR2), 1);

	/* A signal from a child while suspended. */
	pid_t pid = test_fork();
	if (pid == 0) {
		usleep(50000);
		kill(getppid(), SIGUSR1);
		_exit(0);
	}
	CHECK_ERRNO(sigsuspend(&susp), -1, EINTR);
	CHECK_EQ(hits, 2);
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);

	/* Errors: bad size, bad pointer; nothing is consumed. */
	CHECK_ERRNO(RAW(SYS_rt_sigsuspend, &susp, 4), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_rt_sigsuspend, &susp, 16), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_rt_sigsuspend, (void *)1, 8), -1, EFAULT);
	CHECK_ERRNO(RAW(SYS_rt_sigpending, (void *)1, 8), -1, EFAULT);
	CHECK_OK(sigpending(&p));
	CHECK_EQ(sigismember(&p, SIGUSR2), 1);
	/* Discard SIGUSR2 by ignoring it. */
	signal(SIGUSR2, SIG_IGN);
	CHECK_OK(sigpending(&p));
	CHECK_EQ(sigismember(&p, SIGUSR2), 0);
	return test_done();
}
