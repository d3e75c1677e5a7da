//go:build ignore

/*
 * Priority-inheritance futexes through glibc's PTHREAD_PRIO_INHERIT
 * mutexes under contention, and the raw FUTEX_*_PI error cases.
 */
#include "testutil.h"
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>

static pthread_mutex_t m;
static long counter;

static void *worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < 2000; i++) {
		pthread_mutex_lock(&m);
		counter++;
		if (i % 100 == 0)
			sched_yield();
		pthread_mutex_unlock(&m);
	}
	return NULL;
}

int main(void)
{
	pthread_mutexattr_t ma;
	pthread_mutexattr_init(&ma);
	ASSERT_EQ(pthread_mutexattr_setprotocol(&ma, PTHREAD_PRIO_INHERIT), 0);
	ASSERT_EQ(pthread_mutex_init(&m, &ma), 0);
	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		ASSERT_EQ(pthread_create(&th[i], NULL, worker, NULL), 0);
	for (int i = 0; i < 4; i++)
		ASSERT_EQ(pthread_join(th[i], NULL), 0);
	CHECK_EQ(counter, 8000);

	/* Raw calls: lock a free word, relock → EDEADLK, unlock by owner. */
	uint32_t f = 0;
	CHECK_EQ(RAW(SYS_futex, &f, FUTEX_LOCK_PI, 0, NULL, NULL, 0), 0);
	CHECK_EQ(f & FUTEX_TID_MASK, (uint32_t)gettid());
	CHECK_ERRNO(RAW(SYS_futex, &f, FUTEX_LOCK_PI, 0, NULL, NULL, 0), -1, EDEADLK);
	CHECK_EQ(RAW(SYS_futex, &f, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0), 0);
	CHECK_EQ(f, 0);
	/* Unlock of a lock we don't hold: EPERM. */
	f = 0x3ffffff0; /* owned by some other TID */
	CHECK_ERRNO(RAW(SYS_futex, &f, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0), -1, EPERM);
	f = 0;
	CHECK_EQ(RAW(SYS_futex, &f, FUTEX_TRYLOCK_PI, 0, NULL, NULL, 0), 0);
	CHECK_EQ(RAW(SYS_futex, &f, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0), 0);
	uint32_t odd;
	CHECK_ERRNO(RAW(SYS_futex, (char *)&odd + 1, FUTEX_LOCK_PI, 0, NULL, NULL, 0), -1, EINVAL);
	return test_done();
}
