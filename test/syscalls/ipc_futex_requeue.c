//go:build ignore

/*
 * FUTEX_REQUEUE and FUTEX_CMP_REQUEUE (futex(2)): the result counts woken
 * plus requeued waiters; requeued waiters are woken through the new
 * address only; a requeue onto the same address keeps them; CMP_REQUEUE
 * checks the value first (EAGAIN); negative counts and unaligned
 * addresses are EINVAL. Also FUTEX_WAKE's count of 0 wakes one waiter, as
 * Linux does.
 *
 * count_waiters uses CMP_REQUEUE onto the same address with nr_wake 0:
 * it moves nothing and returns how many are blocked.
 */
#include "testutil.h"
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>

static long futex(void *uaddr, int op, int val, long val2, void *uaddr2, int val3)
{
	return RAW(SYS_futex, uaddr, op, val, val2, uaddr2, val3);
}

static int w1, w2, w3;

static long count_waiters(int *addr)
{
	return futex(addr, FUTEX_CMP_REQUEUE_PRIVATE, 0, INT_MAX, addr, *addr);
}

/* wait_for_waiters polls until n threads are blocked on addr. */
static int wait_for_waiters(int *addr, long n)
{
	long long t0 = now_ns();
	while (now_ns() - t0 < 10 * 1000000000LL) {
		long c = count_waiters(addr);
		if (c == n)
			return 1;
		if (c < 0 || c > n)
			return 0;
		usleep(1000);
	}
	return 0;
}

static void *waiter(void *arg)
{
	(void)arg;
	long r = futex(&w1, FUTEX_WAIT_PRIVATE, 0, 0, NULL, 0);
	return r == 0 ? NULL : (void *)(long)errno;
}

int main(void)
{
	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		ASSERT_EQ(pthread_create(&th[i], NULL, waiter, NULL), 0);
	ASSERT_EQ(wait_for_waiters(&w1, 4), 1);
	/* Counting did not wake or lose anyone. */
	CHECK_EQ(count_waiters(&w1), 4);

	/* Errors. */
	CHECK_ERRNO(futex(&w1, FUTEX_REQUEUE_PRIVATE, -1, 1, &w2, 0), -1, EINVAL);
	CHECK_ERRNO(futex(&w1, FUTEX_REQUEUE_PRIVATE, 1, -1, &w2, 0), -1, EINVAL);
	CHECK_ERRNO(futex(&w1, FUTEX_CMP_REQUEUE_PRIVATE, 0, 1, (char *)&w2 + 1, 0), -1, EINVAL);
	CHECK_ERRNO(futex(&w1, FUTEX_CMP_REQUEUE_PRIVATE, 0, 1, &w2, 1), -1, EAGAIN);
	CHECK_ERRNO(futex(&w1, FUTEX_CMP_REQUEUE_PRIVATE, 0, 1, (void *)8, 1), -1, EAGAIN);
	CHECK_EQ(count_waiters(&w1), 4);

	/* Plain REQUEUE (no value check): all four to w2, none woken. */
	w1 = 123;
	CHECK_EQ(futex(&w1, FUTEX_REQUEUE_PRIVATE, 0, INT_MAX, &w2, 0), 4);
	CHECK_EQ(futex(&w1, FUTEX_WAKE_PRIVATE, INT_MAX, 0, NULL, 0), 0);
	CHECK_EQ(count_waiters(&w2), 4);
	/* One woken, two moved to w3, one left on w2: the result is 3. */
	CHECK_EQ(futex(&w2, FUTEX_CMP_REQUEUE_PRIVATE, 1, 2, &w3, 0), 3);
	CHECK_EQ(count_waiters(&w2), 1);
	CHECK_EQ(count_waiters(&w3), 2);
	/* nr_requeue 0: only wakes. */
	CHECK_EQ(futex(&w3, FUTEX_CMP_REQUEUE_PRIVATE, 1, 0, &w2, 0), 1);
	CHECK_EQ(count_waiters(&w3), 1);
	/* FUTEX_WAKE with a count of 0 still wakes one. */
	CHECK_EQ(futex(&w3, FUTEX_WAKE_PRIVATE, 0, 0, NULL, 0), 1);
	CHECK_EQ(futex(&w2, FUTEX_WAKE_PRIVATE, INT_MAX, 0, NULL, 0), 1);
	CHECK_EQ(futex(&w2, FUTEX_WAKE_PRIVATE, 0, 0, NULL, 0), 0);
	for (int i = 0; i < 4; i++) {
		void *ret = (void *)-1L;
		CHECK_EQ(pthread_join(th[i], &ret), 0);
		CHECK_EQ(ret, NULL);
	}
	return test_done();
}
