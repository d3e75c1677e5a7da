//go:build ignore

/*
 * nanosleep and clock_nanosleep: relative sleeps last at least as long as
 * asked, TIMER_ABSTIME, interruption by a signal (EINTR with the time left),
 * and errors.
 */
#include "testutil.h"
#include <pthread.h>
#include <signal.h>

#define MS (1000 * 1000LL)

static long long ts_ns(const struct timespec *ts)
{
	return ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

static void on_usr1(int sig)
{
	(void)sig;
}

/*
 * interrupter signals the main thread every 100 ms until it says it was
 * interrupted, so a signal that lands before the main thread is asleep
 * (on a loaded machine) does not leave it sleeping for the full time.
 */
static pthread_t main_thread;
static volatile int interrupted;
static void *interrupter(void *arg)
{
	(void)arg;
	for (int i = 0; i < 100 && !interrupted; i++) {
		struct timespec ts = { 0, 100 * MS };
		nanosleep(&ts, NULL);
		if (!interrupted)
			pthread_kill(main_thread, SIGUSR1);
	}
	return NULL;
}

int main(void)
{
	struct timespec req, rem;
	long long t0, dt;

	/* nanosleep: at least the requested time (with slack for slow machines). */
	req.tv_sec = 0;
	req.tv_nsec = 30 * MS;
	t0 = now_ns();
	CHECK_EQ(RAW(SYS_nanosleep, &req, NULL), 0);
	dt = now_ns() - t0;
	CHECK_GE(dt, 30 * MS);
	CHECK_LT(dt, 5000 * MS);
	/* A zero sleep returns 0 at once. */
	req.tv_nsec = 0;
	CHECK_EQ(RAW(SYS_nanosleep, &req, &rem), 0);
	/* One second and a bit, in seconds + nanoseconds. */
	req.tv_sec = 1;
	req.tv_nsec = 10 * MS;
	t0 = now_ns();
	CHECK_EQ(RAW(SYS_nanosleep, &req, NULL), 0);
	CHECK_GE(now_ns() - t0, 1010 * MS);

	/* clock_nanosleep, relative, on each clock that supports it. */
	clockid_t clocks[] = { CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME };
	for (int i = 0; i < 3; i++) {
		req.tv_sec = 0;
		req.tv_nsec = 20 * MS;
		t0 = now_ns();
		CHECK_EQ(RAW(SYS_clock_nanosleep, clocks[i], 0, &req, NULL), 0);
		CHECK_GE(now_ns() - t0, 20 * MS);
	}
	/* TIMER_ABSTIME: sleeps until the deadline... */
	struct timespec now;
	CHECK_EQ(clock_gettime(CLOCK_MONOTONIC, &now), 0);
	long long deadline = ts_ns(&now) + 40 * MS;
	req.tv_sec = deadline / 1000000000LL;
	req.tv_nsec = deadline % 1000000000LL;
	CHECK_EQ(RAW(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &req, NULL), 0);
	CHECK_EQ(clock_gettime(CLOCK_MONOTONIC, &now), 0);
	CHECK_GE(ts_ns(&now), deadline);
	/* ...and returns at once for a deadline in the past. */
	t0 = now_ns();
	req.tv_sec = 1;
	req.tv_nsec = 0;
	CHECK_EQ(RAW(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &req, NULL), 0);
	CHECK_LT(now_ns() - t0, 1000 * MS);

	/* Interrupted by a handled signal (no SA_RESTART): EINTR and the rest. */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	CHECK_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
	main_thread = pthread_self();
	pthread_t t;
	interrupted = 0;
	ASSERT_EQ(pthread_create(&t, NULL, interrupter, NULL), 0);
	req.tv_sec = 10;
	req.tv_nsec = 0;
	memset(&rem, 0, sizeof(rem));
	t0 = now_ns();
	interrupted = 0;
	long r = RAW(SYS_nanosleep, &req, &rem);
	interrupted = 1;
	CHECK_ERRNO(r, -1, EINTR);
	dt = now_ns() - t0;
	CHECK_LT(dt, 9000 * MS);
	CHECK_GT(ts_ns(&rem), 0);
	CHECK_LE(ts_ns(&rem), 10000 * MS);
	/* What is left is about what was not slept. */
	CHECK_LT(llabs(ts_ns(&rem) - (10000 * MS - dt)), 1000 * MS);
	CHECK_EQ(pthread_join(t, NULL), 0);
	/* Same for clock_nanosleep, which returns the error instead of -1. */
	interrupted = 0;
	ASSERT_EQ(pthread_create(&t, NULL, interrupter, NULL), 0);
	memset(&rem, 0, sizeof(rem));
	interrupted = 0;
	r = clock_nanosleep(CLOCK_MONOTONIC, 0, &req, &rem);
	interrupted = 1;
	CHECK_EQ(r, EINTR);
	CHECK_GT(ts_ns(&rem), 0);
	CHECK_EQ(pthread_join(t, NULL), 0);

	/* Errors: bad nanoseconds, negative seconds, bad clock, bad pointer. */
	req.tv_sec = 0;
	req.tv_nsec = 1000000000;
	CHECK_ERRNO(RAW(SYS_nanosleep, &req, NULL), -1, EINVAL);
	req.tv_nsec = -1;
	CHECK_ERRNO(RAW(SYS_nanosleep, &req, NULL), -1, EINVAL);
	req.tv_sec = -1;
	req.tv_nsec = 0;
	CHECK_ERRNO(RAW(SYS_nanosleep, &req, NULL), -1, EINVAL);
	req.tv_sec = 0;
	req.tv_nsec = 1;
	/* The thread CPU clock cannot be slept on: EOPNOTSUPP (the man page
	 * says EINVAL, the kernel has said EOPNOTSUPP since 4.x). */
	CHECK_ERRNO(RAW(SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0, &req, NULL), -1, EOPNOTSUPP);
	/* Unknown flag bits are ignored, not EINVAL. */
	CHECK_EQ(RAW(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0x2, &req, NULL), 0);
	CHECK_ERRNO(RAW(SYS_clock_nanosleep, 12345, 0, &req, NULL), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_nanosleep, (void *)8, NULL), -1, EFAULT);
	return test_done();
}
