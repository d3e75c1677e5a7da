//go:build ignore

/*
 * rt_sigaction, rt_sigprocmask, rt_sigpending, kill and tgkill: handlers run
 * with the right siginfo, blocked signals stay pending until unblocked,
 * SIG_IGN discards, sa_mask and SA_RESETHAND work, and errors. Built static too.
 */
#include "testutil.h"
#include <pthread.h>
#include <signal.h>

static volatile sig_atomic_t count[65];
static volatile int last_code, last_pid, last_uid, last_signo, last_value;
static volatile int mask_had_usr2;
static volatile pid_t handler_tid;

static void handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	handler_tid = (pid_t)RAW(SYS_gettid);
	last_signo = si->si_signo;
	last_code = si->si_code;
	last_pid = si->si_pid;
	last_uid = si->si_uid;
	last_value = si->si_value.sival_int;
	/* Inside the handler, sa_mask (SIGUSR2) and the signal itself are blocked. */
	sigset_t cur;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	mask_had_usr2 = sigismember(&cur, SIGUSR2) && sigismember(&cur, sig);
	/* Count last, so that another thread that sees the count also sees
	 * the fields above. */
	__atomic_fetch_add(&count[sig], 1, __ATOMIC_SEQ_CST);
}

static void plain(int sig)
{
	count[sig]++;
}

static volatile pid_t thread_tid;
static volatile int thread_stop;

/* sigthread waits, with SIGUSR1 unblocked, until told to stop. */
static void *sigthread(void *arg)
{
	(void)arg;
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &s, NULL);
	thread_tid = (pid_t)RAW(SYS_gettid);
	long long t0 = now_ns();
	while (!thread_stop && now_ns() - t0 < 20 * 1000000000LL)
		sched_yield();
	return NULL;
}

static long sys_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	/* The kernel's struct sigaction layout differs from glibc's; go through
	 * libc here, and use raw rt_sigaction only for the error checks below. */
	return sigaction(sig, act, old);
}

int main(void)
{
	struct sigaction sa, old;
	pid_t pid = getpid();
	uid_t uid = getuid();

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	CHECK_EQ(sys_sigaction(SIGUSR1, &sa, &old), 0);
	/* The old action was the default. */
	CHECK_EQ(old.sa_handler, SIG_DFL);
	/* Reading back gives what was set. */
	CHECK_EQ(sys_sigaction(SIGUSR1, NULL, &old), 0);
	CHECK_EQ(old.sa_sigaction, handler);
	CHECK(old.sa_flags & SA_SIGINFO);
	CHECK_EQ(sigismember(&old.sa_mask, SIGUSR2), 1);

	/* kill: the handler runs before kill returns (signal to self), with SI_USER. */
	CHECK_EQ(kill(pid, SIGUSR1), 0);
	CHECK_EQ(count[SIGUSR1], 1);
	CHECK_EQ(last_signo, SIGUSR1);
	CHECK_EQ(last_code, SI_USER);
	CHECK_EQ(last_pid, pid);
	CHECK_EQ(last_uid, uid);
	CHECK_EQ(mask_had_usr2, 1);
	/* After the handler, the mask is restored. */
	sigset_t cur;
	CHECK_EQ(sigprocmask(SIG_BLOCK, NULL, &cur), 0);
	CHECK_EQ(sigismember(&cur, SIGUSR1), 0);
	CHECK_EQ(sigismember(&cur, SIGUSR2), 0);

	/* tgkill: SI_TKILL, si_pid and si_uid of the sender. */
	CHECK_EQ(RAW(SYS_tgkill, pid, RAW(SYS_gettid), SIGUSR1), 0);
	CHECK_EQ(count[SIGUSR1], 2);
	CHECK_EQ(last_code, SI_TKILL);
	CHECK_EQ(last_pid, pid);
	CHECK_EQ(last_uid, uid);
	CHECK_EQ(RAW(SYS_tkill, RAW(SYS_gettid), SIGUSR1), 0);
	CHECK_EQ(count[SIGUSR1], 3);
	CHECK_EQ(last_code, SI_TKILL);
	/* rt_sigqueueinfo to self carries the value and si_code SI_QUEUE. */
	union sigval sv = { .sival_int = 1234 };
	CHECK_EQ(sigqueue(pid, SIGUSR1, sv), 0);
	CHECK_EQ(count[SIGUSR1], 4);
	CHECK_EQ(last_code, SI_QUEUE);
	CHECK_EQ(last_value, 1234);

	/* Blocked: stays pending, shows in sigpending, runs once on unblock. */
	sigset_t block, pend;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	CHECK_EQ(RAW(SYS_rt_sigprocmask, SIG_BLOCK, &block, NULL, 8), 0);
	CHECK_EQ(kill(pid, SIGUSR1), 0);
	CHECK_EQ(kill(pid, SIGUSR1), 0); /* standard signals do not queue */
	CHECK_EQ(count[SIGUSR1], 4);
	sigemptyset(&pend);
	CHECK_EQ(RAW(SYS_rt_sigpending, &pend, 8), 0);
	CHECK_EQ(sigismember(&pend, SIGUSR1), 1);
	CHECK_EQ(sigismember(&pend, SIGUSR2), 0);
	CHECK_EQ(RAW(SYS_rt_sigprocmask, SIG_UNBLOCK, &block, NULL, 8), 0);
	CHECK_EQ(count[SIGUSR1], 5);
	CHECK_EQ(sigpending(&pend), 0);
	CHECK_EQ(sigismember(&pend, SIGUSR1), 0);

	/* Real-time signals queue: three sent while blocked, three delivered. */
	CHECK_EQ(sigaction(SIGRTMIN, &sa, NULL), 0);
	sigemptyset(&block);
	sigaddset(&block, SIGRTMIN);
	CHECK_EQ(sigprocmask(SIG_BLOCK, &block, NULL), 0);
	for (int i = 0; i < 3; i++) {
		sv.sival_int = i;
		CHECK_EQ(sigqueue(pid, SIGRTMIN, sv), 0);
	}
	CHECK_EQ(count[SIGRTMIN], 0);
	CHECK_EQ(sigprocmask(SIG_UNBLOCK, &block, NULL), 0);
	CHECK_EQ(count[SIGRTMIN], 3);
	CHECK_EQ(last_value, 2); /* delivered in order */

	/* SIG_BLOCK / SIG_SETMASK / old mask. SIGKILL and SIGSTOP cannot be blocked. */
	sigset_t all, got;
	sigfillset(&all);
	CHECK_EQ(RAW(SYS_rt_sigprocmask, SIG_SETMASK, &all, &got, 8), 0);
	CHECK_EQ(RAW(SYS_rt_sigprocmask, SIG_SETMASK, NULL, &got, 8), 0);
	CHECK_EQ(sigismember(&got, SIGKILL), 0);
	CHECK_EQ(sigismember(&got, SIGSTOP), 0);
	CHECK_EQ(sigismember(&got, SIGUSR1), 1);
	sigset_t empty;
	sigemptyset(&empty);
	CHECK_EQ(RAW(SYS_rt_sigprocmask, SIG_SETMASK, &empty, NULL, 8), 0);
	CHECK_ERRNO(RAW(SYS_rt_sigprocmask, 99, &empty, NULL, 8), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_rt_sigprocmask, SIG_BLOCK, &empty, NULL, 4), -1, EINVAL);
	/* rt_sigpending accepts a smaller set size, but not a larger one. */
	CHECK_EQ(RAW(SYS_rt_sigpending, &pend, 4), 0);
	CHECK_ERRNO(RAW(SYS_rt_sigpending, &pend, 16), -1, EINVAL);

	/* SIG_IGN: the signal is discarded, not left pending. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	CHECK_EQ(sigaction(SIGUSR2, &sa, NULL), 0);
	CHECK_EQ(kill(pid, SIGUSR2), 0);
	CHECK_EQ(count[SIGUSR2], 0);
	CHECK_EQ(sigpending(&pend), 0);
	CHECK_EQ(sigismember(&pend, SIGUSR2), 0);
	/* But a blocked signal is never ignored at send time (the action may
	 * change before it is unblocked): it stays pending. */
	sigemptyset(&block);
	sigaddset(&block, SIGUSR2);
	CHECK_EQ(sigprocmask(SIG_BLOCK, &block, NULL), 0);
	CHECK_EQ(kill(pid, SIGUSR2), 0);
	CHECK_EQ(sigpending(&pend), 0);
	CHECK_EQ(sigismember(&pend, SIGUSR2), 1);
	/* Changing to a handler keeps it pending; setting SIG_IGN discards it. */
	sa.sa_handler = plain;
	CHECK_EQ(sigaction(SIGUSR2, &sa, NULL), 0);
	CHECK_EQ(sigpending(&pend), 0);
	CHECK_EQ(sigismember(&pend, SIGUSR2), 1);
	sa.sa_handler = SIG_IGN;
	CHECK_EQ(sigaction(SIGUSR2, &sa, NULL), 0);
	CHECK_EQ(sigpending(&pend), 0);
	CHECK_EQ(sigismember(&pend, SIGUSR2), 0);
	CHECK_EQ(sigprocmask(SIG_UNBLOCK, &block, NULL), 0);
	CHECK_EQ(count[SIGUSR2], 0);

	/* SA_RESETHAND: the handler runs once, then the action is SIG_DFL. */
	sa.sa_handler = plain;
	sa.sa_flags = SA_RESETHAND;
	CHECK_EQ(sigaction(SIGHUP, &sa, NULL), 0);
	CHECK_EQ(raise(SIGHUP), 0);
	CHECK_EQ(count[SIGHUP], 1);
	CHECK_EQ(sigaction(SIGHUP, NULL, &old), 0);
	CHECK_EQ(old.sa_handler, SIG_DFL);

	/* To another thread: tgkill runs the handler in that thread. With the
	 * main thread blocking SIGUSR1, a process-directed kill goes there too. */
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	CHECK_EQ(sigprocmask(SIG_BLOCK, &block, NULL), 0);
	pthread_t th;
	ASSERT_EQ(pthread_create(&th, NULL, sigthread, NULL), 0);
	while (thread_tid == 0)
		sched_yield();
	int before = count[SIGUSR1];
	CHECK_EQ(RAW(SYS_tgkill, pid, thread_tid, SIGUSR1), 0);
	long long t0 = now_ns();
	while (count[SIGUSR1] == before && now_ns() - t0 < 10 * 1000000000LL)
		sched_yield();
	CHECK_EQ(count[SIGUSR1], before + 1);
	CHECK_EQ(handler_tid, thread_tid);
	CHECK_EQ(last_code, SI_TKILL);
	CHECK_EQ(last_pid, pid);
	CHECK_EQ(kill(pid, SIGUSR1), 0);
	t0 = now_ns();
	while (count[SIGUSR1] == before + 1 && now_ns() - t0 < 10 * 1000000000LL)
		sched_yield();
	CHECK_EQ(count[SIGUSR1], before + 2);
	CHECK_EQ(handler_tid, thread_tid);
	CHECK_EQ(last_code, SI_USER);
	thread_stop = 1;
	CHECK_EQ(pthread_join(th, NULL), 0);
	/* Nothing was left pending for the main thread. */
	CHECK_EQ(sigpending(&pend), 0);
	CHECK_EQ(sigismember(&pend, SIGUSR1), 0);
	CHECK_EQ(sigprocmask(SIG_UNBLOCK, &block, NULL), 0);
	CHECK_EQ(count[SIGUSR1], before + 2);

	/* Signal 0 checks existence only. */
	CHECK_EQ(kill(pid, 0), 0);
	CHECK_ERRNO(kill(0x3fffffff, 0), -1, ESRCH);
	CHECK_ERRNO(RAW(SYS_tgkill, pid, 0x3fffffff, 0), -1, ESRCH);
	/* Errors: bad signal numbers, SIGKILL and SIGSTOP cannot be caught. */
	CHECK_ERRNO(kill(pid, 65), -1, EINVAL);
	CHECK_ERRNO(kill(pid, -1 & 0x7fffffff), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_tgkill, pid, pid, 65), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_tgkill, 0, pid, SIGUSR1), -1, EINVAL);
	CHECK_ERRNO(sigaction(SIGKILL, &sa, NULL), -1, EINVAL);
	CHECK_ERRNO(sigaction(SIGSTOP, &sa, NULL), -1, EINVAL);
	CHECK_ERRNO(sigaction(0, &sa, NULL), -1, EINVAL);
	CHECK_ERRNO(sigaction(65, &sa, NULL), -1, EINVAL);
	/* ...but reading their actions is allowed. */
	CHECK_EQ(sigaction(SIGKILL, NULL, &old), 0);
	CHECK_EQ(old.sa_handler, SIG_DFL);
	/* rt_sigaction with a wrong sigsetsize: EINVAL. */
	CHECK_ERRNO(RAW(SYS_rt_sigaction, SIGUSR1, NULL, &old, 4), -1, EINVAL);
	return test_done();
}
