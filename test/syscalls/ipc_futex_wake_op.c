//go:build ignore

/*
 * FUTEX_WAKE_OP (futex(2)): each operation (SET, ADD, OR, ANDN, XOR, with
 * and without FUTEX_OP_OPARG_SHIFT) applied to *uaddr2, the old value
 * compared (EQ, NE, LT, LE, GT, GE, signed, with sign-extended 12-bit
 * arguments), waiters on uaddr woken always and on uaddr2 only when the
 * comparison holds; unknown operations and comparisons are ENOSYS.
 */
#include "testutil.h"
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>

static long futex(void *uaddr, int op, int val, long val2, void *uaddr2, int val3)
{
	return RAW(SYS_futex, uaddr, op, val, val2, uaddr2, val3);
}

#define OP(op, oparg, cmp, cmparg) \
	((int)(((op) & 0xf) << 28 | ((cmp) & 0xf) << 24 | ((oparg) & 0xfff) << 12 | ((cmparg) & 0xfff)))

static int a, b;

/* wakeop runs FUTEX_WAKE_OP with no waiters on b starting at start and
 * returns the new value of b; ret gets the syscall's result. */
static int wakeop(int start, int enc, long *ret)
{
	b = start;
	*ret = futex(&a, FUTEX_WAKE_OP_PRIVATE, 1, 1, &b, enc);
	return b;
}

static void *wait_on(void *arg)
{
	int *w = arg;
	long r = futex(w, FUTEX_WAIT_PRIVATE, *w, 0, NULL, 0);
	return r == 0 ? NULL : (void *)(long)errno;
}

static long count_waiters(int *addr)
{
	return futex(addr, FUTEX_CMP_REQUEUE_PRIVATE, 0, INT_MAX, addr, *addr);
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

int main(void)
{
	long r;
	/* The operations. */
	CHECK_EQ(wakeop(7, OP(FUTEX_OP_SET, 5, FUTEX_OP_CMP_EQ, 0), &r), 5);
	CHECK_EQ(r, 0);
	CHECK_EQ(wakeop(7, OP(FUTEX_OP_ADD, 5, FUTEX_OP_CMP_EQ, 0), &r), 12);
	CHECK_EQ(wakeop(0x10, OP(FUTEX_OP_OR, 3, FUTEX_OP_CMP_EQ, 0), &r), 0x13);
	CHECK_EQ(wakeop(0x1f, OP(FUTEX_OP_ANDN, 3, FUTEX_OP_CMP_EQ, 0), &r), 0x1c);
	CHECK_EQ(wakeop(0x1f, OP(FUTEX_OP_XOR, 0x101, FUTEX_OP_CMP_EQ, 0), &r), 0x11e);
	/* oparg is a signed 12-bit field: ADD 0xfff subtracts 1, SET 0x800
	 * stores -2048. */
	CHECK_EQ(wakeop(7, OP(FUTEX_OP_ADD, 0xfff, FUTEX_OP_CMP_EQ, 0), &r), 6);
	CHECK_EQ(wakeop(7, OP(FUTEX_OP_SET, 0x800, FUTEX_OP_CMP_EQ, 0), &r), -2048);
	/* FUTEX_OP_OPARG_SHIFT: the argument is 1 << oparg. */
	CHECK_EQ(wakeop(0, OP(FUTEX_OP_OR | FUTEX_OP_OPARG_SHIFT, 31, FUTEX_OP_CMP_EQ, 0), &r),
		 INT_MIN);
	CHECK_EQ(wakeop(0xff, OP(FUTEX_OP_ANDN | FUTEX_OP_OPARG_SHIFT, 4, FUTEX_OP_CMP_EQ, 0), &r),
		 0xef);
	CHECK_EQ(r, 0);
	/* Unknown operation: ENOSYS, *uaddr2 unchanged. */
	b = 9;
	CHECK_ERRNO(futex(&a, FUTEX_WAKE_OP_PRIVATE, 1, 1, &b, OP(5, 1, 0, 0)), -1, ENOSYS);
	CHECK_EQ(b, 9);
	/* Unknown comparison: ENOSYS, after the operation. */
	CHECK_ERRNO(futex(&a, FUTEX_WAKE_OP_PRIVATE, 1, 1, &b, OP(FUTEX_OP_ADD, 1, 6, 0)), -1,
		    ENOSYS);
	CHECK_EQ(b, 10);
	/* Unaligned or bad addresses. */
	CHECK_ERRNO(futex(&a, FUTEX_WAKE_OP_PRIVATE, 1, 1, (char *)&b + 1, 0), -1, EINVAL);
	CHECK_ERRNO(futex(&a, FUTEX_WAKE_OP_PRIVATE, 1, 1, (void *)8, 0), -1, EFAULT);

	/* Comparisons decide whether waiters on b are woken; those on a
	 * always are. Each round: one waiter on a, one on b. */
	static const struct {
		int cmp, cmparg, old, hit;
	} cases[] = {
		{FUTEX_OP_CMP_EQ, 3, 3, 1},  {FUTEX_OP_CMP_EQ, 3, 4, 0},
		{FUTEX_OP_CMP_NE, 3, 4, 1},  {FUTEX_OP_CMP_NE, 3, 3, 0},
		{FUTEX_OP_CMP_LT, 3, 2, 1},  {FUTEX_OP_CMP_LT, 3, 3, 0},
		{FUTEX_OP_CMP_LE, 3, 3, 1},  {FUTEX_OP_CMP_LE, 3, 4, 0},
		{FUTEX_OP_CMP_GT, 3, 4, 1},  {FUTEX_OP_CMP_GT, 3, 3, 0},
		{FUTEX_OP_CMP_GE, 3, 3, 1},  {FUTEX_OP_CMP_GE, 3, 2, 0},
		/* Signed: -1 < 0; cmparg 0xfff is -1. */
		{FUTEX_OP_CMP_LT, 0, -1, 1}, {FUTEX_OP_CMP_EQ, 0xfff, -1, 1},
		{FUTEX_OP_CMP_GT, 0xfff, 0, 1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		a = 0;
		b = cases[i].old;
		pthread_t ta, tb;
		ASSERT_EQ(pthread_create(&ta, NULL, wait_on, &a), 0);
		ASSERT_EQ(pthread_create(&tb, NULL, wait_on, &b), 0);
		ASSERT_EQ(wait_for_waiters(&a, 1), 1);
		ASSERT_EQ(wait_for_waiters(&b, 1), 1);
		/* The operation (ADD 0) leaves b alone, so the waiter on b
		 * still sleeps if not woken. */
		r = futex(&a, FUTEX_WAKE_OP_PRIVATE, 1, 1, &b,
			  OP(FUTEX_OP_ADD, 0, cases[i].cmp, cases[i].cmparg));
		if (r != 1 + cases[i].hit)
			FAIL("case %zu: FUTEX_WAKE_OP = %ld errno %d, want %d", i, r, errno,
			     1 + cases[i].hit);
		CHECK_EQ(count_waiters(&b), !cases[i].hit);
		if (!cases[i].hit)
			CHECK_EQ(futex(&b, FUTEX_WAKE_PRIVATE, 1, 0, NULL, 0), 1);
		void *ret = (void *)-1L;
		CHECK_EQ(pthread_join(ta, &ret), 0);
		CHECK_EQ(ret, NULL);
		CHECK_EQ(pthread_join(tb, &ret), 0);
		CHECK_EQ(ret, NULL);
	}

	/* Counts: two waiters on each; nr_wake 2 on a, nr_wake2 1 on b. */
	pthread_t t[4];
	a = 0;
	b = 0;
	for (int i = 0; i < 4; i++)
		ASSERT_EQ(pthread_create(&t[i], NULL, wait_on, i < 2 ? &a : &b), 0);
	ASSERT_EQ(wait_for_waiters(&a, 2), 1);
	ASSERT_EQ(wait_for_waiters(&b, 2), 1);
	CHECK_EQ(futex(&a, FUTEX_WAKE_OP_PRIVATE, 2, 1, &b, OP(FUTEX_OP_SET, 0, FUTEX_OP_CMP_EQ, 0)),
		 3);
	CHECK_EQ(count_waiters(&b), 1);
	CHECK_EQ(futex(&b, FUTEX_WAKE_PRIVATE, INT_MAX, 0, NULL, 0), 1);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(pthread_join(t[i], NULL), 0);
	return test_done();
}
