//go:build ignore

/*
 * clock_gettime, gettimeofday and time, through the vDSO (libc) and the raw
 * syscalls: monotonic clocks never go backwards, CLOCK_REALTIME agrees with
 * gettimeofday and time, resolutions, and errors.
 */
#include "testutil.h"
#include <sys/time.h>

#define NS 1000000000LL

static long long ts_ns(const struct timespec *ts)
{
	return ts->tv_sec * NS + ts->tv_nsec;
}

int main(void)
{
	struct timespec a, b;

	/* Monotonic, through libc and raw, interleaved: never backwards. */
	CHECK_EQ(clock_gettime(CLOCK_MONOTONIC, &a), 0);
	long long prev = ts_ns(&a);
	int back = 0, badns = 0;
	for (int i = 0; i < 20000; i++) {
		if (i % 2)
			RAW(SYS_clock_gettime, CLOCK_MONOTONIC, &b);
		else
			clock_gettime(CLOCK_MONOTONIC, &b);
		if (b.tv_nsec < 0 || b.tv_nsec >= NS)
			badns++;
		if (ts_ns(&b) < prev)
			back++;
		prev = ts_ns(&b);
	}
	CHECK_EQ(back, 0);
	CHECK_EQ(badns, 0);
	/* And it advances. */
	struct timespec nap = { 0, 2 * 1000 * 1000 };
	nanosleep(&nap, NULL);
	CHECK_EQ(clock_gettime(CLOCK_MONOTONIC, &b), 0);
	CHECK_GE(ts_ns(&b) - ts_ns(&a), 2 * 1000 * 1000);

	/* BOOTTIME >= MONOTONIC; both are positive. */
	struct timespec m, bt;
	CHECK_EQ(clock_gettime(CLOCK_MONOTONIC, &m), 0);
	CHECK_EQ(clock_gettime(CLOCK_BOOTTIME, &bt), 0);
	CHECK_GT(ts_ns(&m), 0);
	CHECK_GE(ts_ns(&bt), ts_ns(&m));
	/* MONOTONIC_RAW and the COARSE clocks work. */
	CHECK_EQ(clock_gettime(CLOCK_MONOTONIC_RAW, &a), 0);
	CHECK_GT(ts_ns(&a), 0);
	CHECK_EQ(clock_gettime(CLOCK_MONOTONIC_COARSE, &a), 0);
	CHECK_EQ(clock_gettime(CLOCK_REALTIME_COARSE, &a), 0);

	/* REALTIME vs gettimeofday vs time: within a second of each other. */
	struct timespec rt, rraw;
	struct timeval tv;
	CHECK_EQ(clock_gettime(CLOCK_REALTIME, &rt), 0);
	CHECK_EQ(gettimeofday(&tv, NULL), 0);
	CHECK_EQ(RAW(SYS_clock_gettime, CLOCK_REALTIME, &rraw), 0);
	time_t t1 = time(NULL);
	time_t t2 = (time_t)RAW(SYS_time, NULL);
	time_t t3 = 0;
	CHECK_EQ(RAW(SYS_time, &t3), t3);
	long long r = ts_ns(&rt);
	long long g = tv.tv_sec * NS + tv.tv_usec * 1000LL;
	CHECK_GE(g + 1000, r); /* gettimeofday after clock_gettime, to the microsecond */
	CHECK_LT(g - r, NS);
	CHECK_GE(ts_ns(&rraw), r);
	CHECK_LT(ts_ns(&rraw) - r, NS);
	/* time() reads the coarse clock, which may lag the precise one by a
	 * tick: it can be one second behind clock_gettime read just before. */
	CHECK_GE(t1, rt.tv_sec - 1);
	CHECK_LE(t1 - rt.tv_sec, 1);
	CHECK_GE(t2, t1);
	CHECK_LE(t2 - t1, 1);
	CHECK_GE(t3, t2);
	CHECK_GE(tv.tv_usec, 0);
	CHECK_LT(tv.tv_usec, 1000000);
	/* After 2020 and before 2100. */
	CHECK_GT(rt.tv_sec, 1577836800LL);
	CHECK_LT(rt.tv_sec, 4102444800LL);
	/* The raw gettimeofday agrees too; a NULL tv is allowed. */
	struct timeval tv2;
	CHECK_EQ(RAW(SYS_gettimeofday, &tv2, NULL), 0);
	CHECK_GE(tv2.tv_sec, tv.tv_sec);
	CHECK_LE(tv2.tv_sec - tv.tv_sec, 1);
	CHECK_EQ(RAW(SYS_gettimeofday, NULL, NULL), 0);

	/* CPU-time clocks: positive and non-decreasing. */
	struct timespec c1, c2;
	CHECK_EQ(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1), 0);
	for (volatile int i = 0; i < 1000000; i++) {
	}
	CHECK_EQ(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c2), 0);
	CHECK_GT(ts_ns(&c2), ts_ns(&c1));
	CHECK_EQ(clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1), 0);
	CHECK_GT(ts_ns(&c1), 0);

	/* Resolutions: 1 ns for the high-resolution clocks. */
	struct timespec res;
	CHECK_EQ(RAW(SYS_clock_getres, CLOCK_MONOTONIC, &res), 0);
	CHECK_EQ(res.tv_sec, 0);
	CHECK_EQ(res.tv_nsec, 1);
	CHECK_EQ(RAW(SYS_clock_getres, CLOCK_REALTIME, &res), 0);
	CHECK_EQ(res.tv_nsec, 1);
	CHECK_EQ(RAW(SYS_clock_getres, CLOCK_MONOTONIC, NULL), 0);
	/* Coarse clocks: one tick, more than 1 ns and at most 10 ms. */
	CHECK_EQ(RAW(SYS_clock_getres, CLOCK_MONOTONIC_COARSE, &res), 0);
	CHECK_GT(res.tv_nsec, 1);
	CHECK_LE(res.tv_nsec, 10 * 1000 * 1000);

	/* Errors: bad clock ids, bad pointers. */
	CHECK_ERRNO(RAW(SYS_clock_gettime, 12345, &a), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_clock_gettime, -1, &a), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_clock_getres, 12345, &a), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_clock_gettime, CLOCK_MONOTONIC, (void *)8), -1, EFAULT);
	CHECK_ERRNO(RAW(SYS_gettimeofday, (void *)8, NULL), -1, EFAULT);
	return test_done();
}
