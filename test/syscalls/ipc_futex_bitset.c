//go:build ignore

/*
 * FUTEX_WAIT_BITSET and FUTEX_WAKE_BITSET (futex(2)): a wake reaches only
 * waiters whose bitset shares a bit with its own; plain FUTEX_WAIT and
 * FUTEX_WAKE use all bits; a bitset of 0 is EINVAL for both; the bitset
 * wait's timeout is an absolute time on CLOCK_MONOTONIC, or CLOCK_REALTIME
 * with FUTEX_CLOCK_REALTIME, while plain FUTEX_WAIT's is relative;
 * FUTEX_CLOCK_REALTIME with FUTEX_WAIT or a wake is ENOSYS.
 */
#include "testutil.h"
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>

static long futex(void *uaddr, int op, int val, const void *ts, void *uaddr2, int val3)
{
	return RAW(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

static int word;

static long count_waiters(int *addr)
{
	return futex(addr, FUTEX_CMP_REQUEUE_PRIVATE, 0, (void *)(long)INT_MAX, addr, *addr);
}

static int wait_for_waiters(int *addr, long n)
{
	long long t0 = now_ns();
	while (now_ns() - t0 < 10 * 1000000000LL) {
		if (count_waiters(addr) == n)
			return 1;
		usleep(1000);
	}
	return 0;
}

static void *waiter(void *arg)
{
	unsigned bits = (unsigned)(long)arg;
	long r;
	if (bits == 0)
		r = futex(&word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	else
		r = futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 0, NULL, NULL, bits);
	return r == 0 ? NULL : (void *)(long)errno;
}

static struct timespec abs_in(clockid_t clk, long ms)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	ts.tv_nsec += ms * 1000000L;
	while (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

int main(void)
{
	/* Bitset 0: EINVAL, for the wait and the wake. */
	CHECK_ERRNO(futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 0, NULL, NULL, 0), -1, EINVAL);
	CHECK_ERRNO(futex(&word, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, 0), -1, EINVAL);
	CHECK_EQ(futex(&word, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, 1), 0);

	/* Waiters with bitsets 1, 2, 6 and a plain waiter (all bits). */
	pthread_t t[4];
	static const long bits[4] = {1, 2, 6, 0};
	for (int i = 0; i < 4; i++)
		ASSERT_EQ(pthread_create(&t[i], NULL, waiter, (void *)bits[i]), 0);
	ASSERT_EQ(wait_for_waiters(&word, 4), 1);
	/* Bit 3 (8): only the plain waiter. */
	CHECK_EQ(futex(&word, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, NULL, NULL, 8), 1);
	CHECK_EQ(count_waiters(&word), 3);
	/* Bit 2 (4): only the 6. */
	CHECK_EQ(futex(&word, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, NULL, NULL, 4), 1);
	/* Bit 4 (16): nobody. */
	CHECK_EQ(futex(&word, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, NULL, NULL, 16), 0);
	CHECK_EQ(count_waiters(&word), 2);
	/* Plain FUTEX_WAKE reaches any bitset. */
	CHECK_EQ(futex(&word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0), 2);
	for (int i = 0; i < 4; i++) {
		void *ret = (void *)-1L;
		CHECK_EQ(pthread_join(t[i], &ret), 0);
		CHECK_EQ(ret, NULL);
	}

	/* A wake with a count stops after that many matching waiters. */
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(pthread_create(&t[i], NULL, waiter, (void *)3L), 0);
	ASSERT_EQ(wait_for_waiters(&word, 3), 1);
	CHECK_EQ(futex(&word, FUTEX_WAKE_BITSET_PRIVATE, 2, NULL, NULL, 2), 2);
	CHECK_EQ(futex(&word, FUTEX_WAKE_BITSET_PRIVATE, 5, NULL, NULL, 1), 1);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(pthread_join(t[i], NULL), 0);

	/* Timeouts. Bitset waits take an absolute time. */
	long long t0 = now_ns();
	struct timespec ts = abs_in(CLOCK_MONOTONIC, 30);
	CHECK_ERRNO(futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 0, &ts, NULL, -1), -1, ETIMEDOUT);
	CHECK_GE(now_ns() - t0, 25 * 1000000LL);
	t0 = now_ns();
	ts = abs_in(CLOCK_REALTIME, 30);
	CHECK_ERRNO(futex(&word, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 0, &ts, NULL, -1),
		    -1, ETIMEDOUT);
	CHECK_GE(now_ns() - t0, 25 * 1000000LL);
	/* A realtime deadline read as monotonic would be decades away; a
	 * monotonic one read as realtime long past. */
	ts = abs_in(CLOCK_MONOTONIC, 5000);
	t0 = now_ns();
	CHECK_ERRNO(futex(&word, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 0, &ts, NULL, -1),
		    -1, ETIMEDOUT);
	CHECK_LT(now_ns() - t0, 1000 * 1000000LL);
	/* Plain FUTEX_WAIT: relative; it takes no FUTEX_CLOCK_REALTIME. */
	ts = (struct timespec){0, 30 * 1000000L};
	t0 = now_ns();
	CHECK_ERRNO(futex(&word, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0), -1, ETIMEDOUT);
	long long dt = now_ns() - t0;
	CHECK_GE(dt, 25 * 1000000LL);
	CHECK_LT(dt, 2000 * 1000000LL);
	CHECK_ERRNO(futex(&word, FUTEX_WAIT_PRIVATE | FUTEX_CLOCK_REALTIME, 0, &ts, NULL, 0), -1,
		    ENOSYS);
	/* FUTEX_CLOCK_REALTIME means nothing to a wake: ENOSYS. */
	CHECK_ERRNO(futex(&word, FUTEX_WAKE_PRIVATE | FUTEX_CLOCK_REALTIME, 1, NULL, NULL, 0), -1,
		    ENOSYS);
	CHECK_ERRNO(futex(&word, FUTEX_WAKE_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 1, NULL, NULL, 1),
		    -1, ENOSYS);
	/* A value mismatch is EAGAIN before any timeout matters. */
	ts = abs_in(CLOCK_MONOTONIC, 5000);
	CHECK_ERRNO(futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 1, &ts, NULL, -1), -1, EAGAIN);
	return test_done();
}
