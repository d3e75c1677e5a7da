//go:build ignore

/*
 * Threads through pthread_create/join (clone with CLONE_THREAD etc.): four
 * threads bump a shared counter under a mutex (futex), each has its own tid
 * and TLS, and the join returns each thread's value. Built static too.
 */
#include "testutil.h"
#include <pthread.h>

#define NTHREADS 4
#define ITERS 20000

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long counter;
static int started;
static __thread long tls_value = 5;
static pid_t tids[NTHREADS];

static void *worker(void *arg)
{
	long id = (long)arg;
	tids[id] = (pid_t)RAW(SYS_gettid);
	/* TLS starts at its initial value in every thread. */
	if (tls_value != 5)
		return (void *)-1L;
	tls_value = 1000 + id;
	/* Wait until all threads are running, to make them overlap. */
	pthread_mutex_lock(&mu);
	started++;
	pthread_cond_broadcast(&cv);
	while (started < NTHREADS)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	for (int i = 0; i < ITERS; i++) {
		pthread_mutex_lock(&mu);
		long v = counter;
		/* Some work inside the critical section, so races would show. */
		for (volatile int k = 0; k < 3; k++) {
		}
		counter = v + 1;
		pthread_mutex_unlock(&mu);
		if (i % 1000 == 0)
			sched_yield();
	}
	if (tls_value != 1000 + id)
		return (void *)-2L;
	return (void *)(id * 10);
}

static void *exiter(void *arg)
{
	(void)arg;
	pthread_exit((void *)77L);
	return NULL;
}

int main(void)
{
	pthread_t th[NTHREADS];
	pid_t pid = getpid();
	CHECK_EQ(RAW(SYS_gettid), pid);

	for (long i = 0; i < NTHREADS; i++)
		ASSERT_EQ(pthread_create(&th[i], NULL, worker, (void *)i), 0);
	for (long i = 0; i < NTHREADS; i++) {
		void *ret = (void *)-99L;
		CHECK_EQ(pthread_join(th[i], &ret), 0);
		CHECK_EQ((long)ret, i * 10);
	}
	CHECK_EQ(counter, (long)NTHREADS * ITERS);
	CHECK_EQ(started, NTHREADS);
	/* The main thread's TLS is untouched. */
	CHECK_EQ(tls_value, 5);
	/* All tids are distinct and none is the pid. */
	for (int i = 0; i < NTHREADS; i++) {
		CHECK_GT(tids[i], 0);
		CHECK_NE(tids[i], pid);
		for (int j = 0; j < i; j++)
			CHECK_NE(tids[i], tids[j]);
	}
	/* A joined thread's tid soon no longer exists: tgkill says ESRCH.
	 * Not at once: the kernel clears the tid futex that pthread_join
	 * waits on before it releases the thread. */
	long r = 0;
	for (int i = 0; i < 5000; i++) {
		r = RAW(SYS_tgkill, pid, tids[0], 0);
		if (r == -1)
			break;
		usleep(1000);
	}
	CHECK_ERRNO(r, -1, ESRCH);

	/* pthread_exit's value is what join sees. */
	pthread_t t;
	ASSERT_EQ(pthread_create(&t, NULL, exiter, NULL), 0);
	void *ret = NULL;
	CHECK_EQ(pthread_join(t, &ret), 0);
	CHECK_EQ((long)ret, 77);

	/* Joining an already-joined thread is an error from libc (not checked:
	 * undefined). Joining ourselves: EDEADLK. */
	CHECK_EQ(pthread_join(pthread_self(), &ret), EDEADLK);

	/* Many short-lived threads in sequence. */
	for (int i = 0; i < 50; i++) {
		ASSERT_EQ(pthread_create(&t, NULL, exiter, NULL), 0);
		CHECK_EQ(pthread_join(t, &ret), 0);
	}
	return test_done();
}
