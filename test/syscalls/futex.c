//go:build ignore

/* futex: WAIT with a wrong value, WAIT timeouts, WAKE counts, errors. */
#include "testutil.h"
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>

static long futex(void *uaddr, int op, int val, const struct timespec *ts, void *uaddr2, int val3)
{
	return RAW(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

static int word, word2;
static _Atomic int arrived;

/* waiter blocks once on word (which stays 0) and reports how it woke. */
static void *waiter(void *arg)
{
	(void)arg;
	atomic_fetch_add(&arrived, 1);
	long r = futex(&word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	return r == 0 ? NULL : (void *)(long)errno;
}

static void nap_ms(int ms)
{
	struct timespec nap = { 0, ms * 1000L * 1000L };
	nanosleep(&nap, NULL);
}

int main(void)
{
	int v = 1;
	struct timespec ts;

	/* WAIT with a value that does not match: EAGAIN at once. */
	CHECK_ERRNO(futex(&v, FUTEX_WAIT, 2, NULL, NULL, 0), -1, EAGAIN);
	CHECK_ERRNO(futex(&v, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0), -1, EAGAIN);

	/* WAIT with a relative timeout: ETIMEDOUT after at least that long. */
	ts.tv_sec = 0;
	ts.tv_nsec = 50 * 1000 * 1000;
	long long t0 = now_ns();
	CHECK_ERRNO(futex(&v, FUTEX_WAIT_PRIVATE, 1, &ts, NULL, 0), -1, ETIMEDOUT);
	long long dt = now_ns() - t0;
	CHECK_GE(dt, 50 * 1000 * 1000LL);
	CHECK_LT(dt, 5 * 1000 * 1000 * 1000LL);
	/* A zero timeout expires at once. */
	ts.tv_nsec = 0;
	CHECK_ERRNO(futex(&v, FUTEX_WAIT, 1, &ts, NULL, 0), -1, ETIMEDOUT);
	/* WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline. */
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ts = now;
	ts.tv_nsec += 20 * 1000 * 1000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	t0 = now_ns();
	CHECK_ERRNO(futex(&v, FUTEX_WAIT_BITSET_PRIVATE, 1, &ts, NULL, FUTEX_BITSET_MATCH_ANY),
		    -1, ETIMEDOUT);
	CHECK_GE(now_ns() - t0, 15 * 1000 * 1000LL);
	/* A deadline in the past: ETIMEDOUT at once. */
	ts.tv_sec = now.tv_sec - 1;
	CHECK_ERRNO(futex(&v, FUTEX_WAIT_BITSET_PRIVATE, 1, &ts, NULL, FUTEX_BITSET_MATCH_ANY),
		    -1, ETIMEDOUT);

	/* WAKE with nobody waiting: 0. */
	CHECK_EQ(futex(&v, FUTEX_WAKE, 1, NULL, NULL, 0), 0);
	CHECK_EQ(futex(&v, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0), 0);

	/* Three waiters: wake them one at a time. A WAKE only counts threads
	 * that are blocked, so each WAKE(1) returns 0 or 1, and repeating it
	 * until three were woken works however slowly the threads start. */
	pthread_t th[3];
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(pthread_create(&th[i], NULL, waiter, NULL), 0);
	long total = 0;
	t0 = now_ns();
	while (total < 3 && now_ns() - t0 < 20 * 1000 * 1000 * 1000LL) {
		long r = futex(&word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
		if (r < 0 || r > 1)
			FAIL("FUTEX_WAKE(1) returned %ld", r);
		total += r;
		if (r == 0)
			nap_ms(1);
	}
	CHECK_EQ(total, 3);
	for (int i = 0; i < 3; i++) {
		void *ret = (void *)-1L;
		CHECK_EQ(pthread_join(th[i], &ret), 0);
		CHECK_EQ(ret, NULL); /* woken by us, not EAGAIN or EINTR */
	}
	CHECK_EQ(futex(&word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0), 0);

	/* Requeue gathers the waiters on word2 (again counting only blocked
	 * ones); then one WAKE(INT_MAX) on word2 wakes all three and says so. */
	atomic_store(&arrived, 0);
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(pthread_create(&th[i], NULL, waiter, NULL), 0);
	/* CMP_REQUEUE with a value that does not match: EAGAIN. */
	CHECK_ERRNO(futex(&word, FUTEX_CMP_REQUEUE_PRIVATE, 0, (void *)(long)INT_MAX, &word2, 1),
		    -1, EAGAIN);
	total = 0;
	t0 = now_ns();
	while (total < 3 && now_ns() - t0 < 20 * 1000 * 1000 * 1000LL) {
		/* nr_wake 0, nr_requeue INT_MAX (passed in the timeout slot). */
		long r = futex(&word, FUTEX_CMP_REQUEUE_PRIVATE, 0, (void *)(long)INT_MAX, &word2, 0);
		if (r < 0 || r > 3)
			FAIL("FUTEX_CMP_REQUEUE returned %ld errno %d", r, errno);
		if (r < 0)
			break;
		total += r;
		if (total < 3)
			nap_ms(1);
	}
	CHECK_EQ(total, 3);
	CHECK_EQ(futex(&word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0), 0);
	CHECK_EQ(futex(&word2, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0), 3);
	for (int i = 0; i < 3; i++) {
		void *ret = (void *)-1L;
		CHECK_EQ(pthread_join(th[i], &ret), 0);
		CHECK_EQ(ret, NULL);
	}
	CHECK_EQ(atomic_load(&arrived), 3);

	/* Errors: unaligned address, bad op, bad timeout, bad pointer. */
	char buf[8] __attribute__((aligned(4)));
	CHECK_ERRNO(futex(buf + 1, FUTEX_WAIT, 0, NULL, NULL, 0), -1, EINVAL);
	CHECK_ERRNO(futex(&v, 99, 0, NULL, NULL, 0), -1, ENOSYS);
	ts.tv_sec = 0;
	ts.tv_nsec = 1000000000;
	CHECK_ERRNO(futex(&v, FUTEX_WAIT, 1, &ts, NULL, 0), -1, EINVAL);
	ts.tv_sec = -1;
	ts.tv_nsec = 0;
	CHECK_ERRNO(futex(&v, FUTEX_WAIT, 1, &ts, NULL, 0), -1, EINVAL);
	CHECK_ERRNO(futex((void *)8, FUTEX_WAIT, 0, NULL, NULL, 0), -1, EFAULT);
	CHECK_ERRNO(futex(&v, FUTEX_WAIT_BITSET, 1, NULL, NULL, 0), -1, EINVAL); /* empty bitset */
	return test_done();
}
