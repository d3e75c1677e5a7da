//go:build ignore

/*
 * Timeouts too large to count in nanoseconds (tv_sec near 2^63) mean
 * "practically forever", as Linux clamps them: nanosleep,
 * clock_nanosleep (relative and absolute), rt_sigtimedwait, futex waits,
 * ppoll, select and pselect all block until a signal interrupts them
 * (EINTR), instead of wrapping into a past deadline and returning at once.
 */
#include "testutil.h"
#include <linux/futex.h>
#include <poll.h>
#include <sys/select.h>
#include <sys/time.h>
#include <time.h>

static volatile int alarms;
static void on_alrm(int sig) { (void)sig; alarms++; }

static void arm(void)
{
	struct itimerval v = { { 0, 0 }, { 0, 100000 } };
	setitimer(ITIMER_REAL, &v, NULL);
}

#define CHECK_BLOCKS(call)                                                   \
	do {                                                                 \
		arm();                                                       \
		long long t0_ = now_ns();                                    \
		CHECK_ERRNO(call, -1, EINTR);                                \
		CHECK_GE(now_ns() - t0_, 80000000LL);                        \
	} while (0)

int main(void)
{
	signal(SIGALRM, on_alrm);
	struct timespec big = { 0x7fffffffffffffffLL, 0 };
	struct timespec big2 = { 0x7fffffffffffffffLL / 1000000000LL, 999999999 };

	CHECK_BLOCKS(RAW(SYS_nanosleep, &big, NULL));
	CHECK_BLOCKS(RAW(SYS_nanosleep, &big2, NULL));
	CHECK_BLOCKS(RAW(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &big, NULL));
	CHECK_BLOCKS(RAW(SYS_clock_nanosleep, CLOCK_REALTIME, TIMER_ABSTIME, &big, NULL));
	sigset_t w;
	sigemptyset(&w);
	sigaddset(&w, SIGUSR1);
	CHECK_OK(sigprocmask(SIG_BLOCK, &w, NULL));
	CHECK_BLOCKS(RAW(SYS_rt_sigtimedwait, &w, NULL, &big, 8));
	int fut = 0;
	CHECK_BLOCKS(RAW(SYS_futex, &fut, FUTEX_WAIT, 0, &big, NULL, 0));
	CHECK_BLOCKS(RAW(SYS_futex, &fut, FUTEX_WAIT_BITSET, 0, &big, NULL, ~0));
	int p[2];
	ASSERT_OK(pipe(p));
	struct pollfd pf = { p[0], POLLIN, 0 };
	CHECK_BLOCKS(RAW(SYS_ppoll, &pf, 1, &big, NULL, 8));
	struct timeval tv = { 0x7fffffffffffffffLL, 0 };
	fd_set rs;
	FD_ZERO(&rs);
	FD_SET(p[0], &rs);
	CHECK_BLOCKS(RAW(SYS_select, p[0] + 1, &rs, NULL, NULL, &tv));
	FD_ZERO(&rs);
	FD_SET(p[0], &rs);
	CHECK_BLOCKS(RAW(SYS_pselect6, p[0] + 1, &rs, NULL, NULL, &big, NULL));
	CHECK_EQ(alarms, 10);
	return test_done();
}
