//go:build ignore

/*
 * rt_sigtimedwait: a zero timeout polls (EAGAIN), a short one waits about
 * that long, the siginfo of a queued signal carries si_code, si_pid,
 * si_uid and si_value; the lowest-numbered pending signal comes first;
 * real-time signals are taken one queue entry at a time; a handled signal
 * outside the set interrupts with EINTR; bad timeouts and sizes are EINVAL.
 */
#include "testutil.h"
#include <sys/time.h>
#include <time.h>

static volatile int handled;
static void handler(int sig) { (void)sig; handled++; }

static long tw(const sigset_t *set, siginfo_t *si, const struct timespec *ts)
{
	return RAW(SYS_rt_sigtimedwait, set, si, ts, 8);
}

int main(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGRTMIN);
	sigaddset(&set, SIGRTMIN + 2);
	CHECK_OK(sigprocmask(SIG_BLOCK, &set, NULL));
	siginfo_t si;
	struct timespec zero = { 0, 0 }, short_ts = { 0, 100 * 1000000 };

	/* Nothing pending: zero timeout is EAGAIN at once, 100ms waits that long. */
	CHECK_ERRNO(tw(&set, &si, &zero), -1, EAGAIN);
	long long t0 = now_ns();
	CHECK_ERRNO(tw(&set, &si, &short_ts), -1, EAGAIN);
	long long el = now_ns() - t0;
	CHECK_GE(el, 95 * 1000000LL);
	CHECK_LT(el, 5000 * 1000000LL);

	/* siginfo of a sigqueue'd signal. */
	union sigval v = { .sival_int = 0x5a5a };
	CHECK_OK(sigqueue(getpid(), SIGUSR2, v));
	memset(&si, 0xff, sizeof(si));
	CHECK_EQ(tw(&set, &si, &zero), SIGUSR2);
	CHECK_EQ(si.si_signo, SIGUSR2);
	CHECK_EQ(si.si_code, SI_QUEUE);
	CHECK_EQ(si.si_pid, getpid());
	CHECK_EQ(si.si_uid, getuid());
	CHECK_EQ(si.si_value.sival_int, 0x5a5a);
	CHECK_EQ(si.si_errno, 0);

	/* Lowest number first: standard before real-time, RT in order of number. */
	v.sival_int = 1;
	CHECK_OK(sigqueue(getpid(), SIGRTMIN + 2, v));
	v.sival_int = 2;
	CHECK_OK(sigqueue(getpid(), SIGRTMIN, v));
	v.sival_int = 3;
	CHECK_OK(sigqueue(getpid(), SIGRTMIN, v));
	CHECK_OK(kill(getpid(), SIGUSR2));
	CHECK_OK(kill(getpid(), SIGUSR1));
	CHECK_EQ(tw(&set, &si, &zero), SIGUSR1);
	CHECK_EQ(si.si_code, SI_USER);
	CHECK_EQ(tw(&set, &si, &zero), SIGUSR2);
	CHECK_EQ(tw(&set, &si, &zero), SIGRTMIN);
	CHECK_EQ(si.si_value.sival_int, 2);
	CHECK_EQ(tw(&set, &si, &zero), SIGRTMIN);
	CHECK_EQ(si.si_value.sival_int, 3);
	CHECK_EQ(tw(&set, &si, &zero), SIGRTMIN + 2);
	CHECK_EQ(si.si_value.sival_int, 1);
	CHECK_ERRNO(tw(&set, &si, &zero), -1, EAGAIN);

	/* Waiting only for SIGUSR2 leaves a pending SIGUSR1 alone. NULL info is fine. */
	CHECK_OK(kill(getpid(), SIGUSR1));
	CHECK_OK(kill(getpid(), SIGUSR2));
	sigset_t only2;
	sigemptyset(&only2);
	sigaddset(&only2, SIGUSR2);
	CHECK_EQ(tw(&only2, NULL, &zero), SIGUSR2);
	CHECK_ERRNO(tw(&only2, NULL, &zero), -1, EAGAIN);
	sigset_t p;
	CHECK_OK(sigpending(&p));
	CHECK_EQ(sigismember(&p, SIGUSR1), 1);
	CHECK_EQ(tw(&set, NULL, &zero), SIGUSR1);

	/* A signal from a child wakes a waiter with no timeout. */
	pid_t pid = test_fork();
	if (pid == 0) {
		usleep(50000);
		union sigval cv = { .sival_int = 99 };
		sigqueue(getppid(), SIGUSR1, cv);
		_exit(0);
	}
	CHECK_EQ(tw(&set, &si, NULL), SIGUSR1);
	CHECK_EQ(si.si_pid, pid);
	CHECK_EQ(si.si_value.sival_int, 99);
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);

	/* A handled signal outside the set interrupts the wait: EINTR. */
	signal(SIGALRM, handler);
	struct itimerval itv = { { 0, 0 }, { 0, 50000 } };
	CHECK_OK(setitimer(ITIMER_REAL, &itv, NULL));
	struct timespec long_ts = { 5, 0 };
	CHECK_ERRNO(tw(&set, &si, &long_ts), -1, EINTR);
	CHECK_EQ(handled, 1);

	/* Errors. */
	struct timespec bad = { 0, 1000000000 };
	CHECK_ERRNO(tw(&set, &si, &bad), -1, EINVAL);
	bad.tv_sec = -1;
	bad.tv_nsec = 0;
	CHECK_ERRNO(tw(&set, &si, &bad), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_rt_sigtimedwait, &set, &si, &zero, 4), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_rt_sigtimedwait, (void *)1, &si, &zero, 8), -1, EFAULT);
	return test_done();
}
