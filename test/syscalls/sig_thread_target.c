//go:build ignore

/*
 * Thread-directed versus process-directed signals: a tgkill'd signal is
 * pending only in its thread (others do not see it in sigpending) and is
 * lost if that thread exits with it blocked, while a process-directed one
 * stays pending for the process; sigwaitinfo in a thread takes a
 * process-directed signal; tgkill to a thread that has exited is ESRCH.
 */
#include "testutil.h"
#include <pthread.h>

static volatile pid_t tid;
static volatile int phase;
static volatile int saw_own, saw_proc;

static void *blocker(void *arg)
{
	(void)arg;
	tid = (pid_t)RAW(SYS_gettid);
	while (phase == 0)
		usleep(1000);
	sigset_t p;
	sigpending(&p);
	saw_own = sigismember(&p, SIGUSR1);
	saw_proc = sigismember(&p, SIGUSR2);
	return NULL;
}

static void *waiter(void *arg)
{
	(void)arg;
	sigset_t w;
	sigemptyset(&w);
	sigaddset(&w, SIGWINCH);
	siginfo_t si;
	int s = sigwaitinfo(&w, &si);
	return (void *)(long)(s == SIGWINCH && si.si_code == SI_USER ? si.si_pid : -1);
}

int main(void)
{
	sigset_t b;
	sigemptyset(&b);
	sigaddset(&b, SIGUSR1);
	sigaddset(&b, SIGUSR2);
	sigaddset(&b, SIGWINCH);
	CHECK_OK(sigprocmask(SIG_BLOCK, &b, NULL));

	pthread_t th;
	ASSERT_EQ(pthread_create(&th, NULL, blocker, NULL), 0);
	while (!tid)
		sched_yield();
	pid_t old_tid = tid;
	CHECK_OK(RAW(SYS_tgkill, getpid(), old_tid, SIGUSR1));
	CHECK_OK(kill(getpid(), SIGUSR2));
	sigset_t p;
	CHECK_OK(sigpending(&p));
	CHECK_EQ(sigismember(&p, SIGUSR1), 0); /* the other thread's */
	CHECK_EQ(sigismember(&p, SIGUSR2), 1); /* the process's */
	phase = 1;
	CHECK_EQ(pthread_join(th, NULL), 0);
	CHECK_EQ(saw_own, 1);
	CHECK_EQ(saw_proc, 1);
	/* The thread is gone with its SIGUSR1; SIGUSR2 is still pending. */
	CHECK_OK(sigpending(&p));
	CHECK_EQ(sigismember(&p, SIGUSR1), 0);
	CHECK_EQ(sigismember(&p, SIGUSR2), 1);
	struct timespec zero = { 0, 0 };
	sigset_t one;
	sigemptyset(&one);
	sigaddset(&one, SIGUSR1);
	CHECK_ERRNO(sigtimedwait(&one, NULL, &zero), -1, EAGAIN);
	sigemptyset(&one);
	sigaddset(&one, SIGUSR2);
	CHECK_EQ(sigtimedwait(&one, NULL, &zero), SIGUSR2);
	/* Its TID is no longer a target. */
	long long t0 = now_ns();
	while (RAW(SYS_tgkill, getpid(), old_tid, 0) == 0 && now_ns() - t0 < 5000000000LL)
		usleep(1000);
	CHECK_ERRNO(RAW(SYS_tgkill, getpid(), old_tid, SIGUSR1), -1, ESRCH);
	CHECK_ERRNO(RAW(SYS_tkill, old_tid, 0), -1, ESRCH);

	/* sigwaitinfo in a thread takes a process-directed signal. */
	ASSERT_EQ(pthread_create(&th, NULL, waiter, NULL), 0);
	usleep(50000);
	CHECK_OK(kill(getpid(), SIGWINCH));
	void *ret;
	CHECK_EQ(pthread_join(th, &ret), 0);
	CHECK_EQ((long)ret, getpid());
	CHECK_OK(sigpending(&p));
	CHECK_EQ(sigismember(&p, SIGWINCH), 0);
	return test_done();
}
