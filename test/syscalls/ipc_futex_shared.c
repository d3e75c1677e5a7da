//go:build ignore

/*
 * Futexes between processes (futex(2)): a shared futex on MAP_SHARED
 * anonymous memory inherited across fork, and on a memfd mapped at
 * different addresses (the key is the page, not the address); private
 * futexes and MAP_PRIVATE memory do not reach another process; two
 * mappings of one memfd in one process are one futex.
 */
#include "testutil.h"
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sys/mman.h>

static long futex(void *uaddr, int op, int val, const void *ts, void *uaddr2, int val3)
{
	return RAW(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

static long count_waiters(int *addr, int op)
{
	return futex(addr, op, 0, (void *)(long)INT_MAX, addr, *addr);
}

static int wait_for_waiters(int *addr, long n)
{
	long long t0 = now_ns();
	while (now_ns() - t0 < 10 * 1000000000LL) {
		if (count_waiters(addr, FUTEX_CMP_REQUEUE) == n)
			return 1;
		usleep(1000);
	}
	return 0;
}

static int *waitaddr;
static void *thread_wait(void *arg)
{
	(void)arg;
	long r = futex(waitaddr, FUTEX_WAIT, 0, NULL, NULL, 0);
	return r == 0 ? NULL : (void *)(long)errno;
}

int main(void)
{
	int st;
	int *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(sh, MAP_FAILED);

	/* A child waits on shared memory; the parent wakes it. */
	sh[0] = 0;
	pid_t pid = test_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		CHECK_EQ(futex(&sh[0], FUTEX_WAIT, 0, NULL, NULL, 0), 0);
		CHECK_EQ(sh[0], 1);
		child_exit();
	}
	ASSERT_EQ(wait_for_waiters(&sh[0], 1), 1);
	sh[0] = 1;
	CHECK_EQ(futex(&sh[0], FUTEX_WAKE, INT_MAX, NULL, NULL, 0), 1);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);

	/* A private wait in the child is out of the parent's reach, whether
	 * the parent wakes privately or not. */
	sh[1] = 0;
	pid = test_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct timespec ts = {0, 200 * 1000000L};
		CHECK_ERRNO(futex(&sh[1], FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0), -1, ETIMEDOUT);
		child_exit();
	}
	usleep(50000);
	CHECK_EQ(count_waiters(&sh[1], FUTEX_CMP_REQUEUE), 0);
	CHECK_EQ(futex(&sh[1], FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0), 0);
	CHECK_EQ(futex(&sh[1], FUTEX_WAKE, INT_MAX, NULL, NULL, 0), 0);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);

	/* MAP_PRIVATE memory is the child's own after fork: no shared key. */
	static int priv;
	pid = test_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct timespec ts = {0, 200 * 1000000L};
		CHECK_ERRNO(futex(&priv, FUTEX_WAIT, 0, &ts, NULL, 0), -1, ETIMEDOUT);
		child_exit();
	}
	usleep(50000);
	CHECK_EQ(futex(&priv, FUTEX_WAKE, INT_MAX, NULL, NULL, 0), 0);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);

	/* A memfd mapped twice in this process: a wait through one address
	 * is woken through the other. */
	int fd = memfd_create("futex", 0);
	ASSERT_GE(fd, 0);
	ASSERT_OK(ftruncate(fd, 8192));
	int *m1 = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	int *m2 = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 4096);
	ASSERT_NE(m1, MAP_FAILED);
	ASSERT_NE(m2, MAP_FAILED);
	waitaddr = &m1[1024 + 5]; /* page 1, word 5 */
	pthread_t th;
	ASSERT_EQ(pthread_create(&th, NULL, thread_wait, NULL), 0);
	ASSERT_EQ(wait_for_waiters(waitaddr, 1), 1);
	CHECK_EQ(count_waiters(&m2[5], FUTEX_CMP_REQUEUE), 1);
	CHECK_EQ(futex(&m2[4], FUTEX_WAKE, INT_MAX, NULL, NULL, 0), 0);
	CHECK_EQ(futex(&m2[5], FUTEX_WAKE, INT_MAX, NULL, NULL, 0), 1);
	void *ret = (void *)-1L;
	CHECK_EQ(pthread_join(th, &ret), 0);
	CHECK_EQ(ret, NULL);

	/* And across processes: the child maps the memfd afresh, at an
	 * address of its own, and waits; the parent wakes through m2. */
	pid = test_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		munmap(m1, 8192);
		munmap(m2, 4096);
		int *c = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 4096);
		ASSERT_NE(c, MAP_FAILED);
		CHECK_EQ(futex(&c[7], FUTEX_WAIT, 0, NULL, NULL, 0), 0);
		CHECK_EQ(c[7], 42);
		child_exit();
	}
	ASSERT_EQ(wait_for_waiters(&m2[7], 1), 1);
	m2[7] = 42;
	CHECK_EQ(futex(&m1[1024 + 7], FUTEX_WAKE, 1, NULL, NULL, 0), 1);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	close(fd);

	/* Requeue between processes: the child's waiter moves from one
	 * shared word to another and is woken there. */
	sh[2] = sh[3] = 0;
	pid = test_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		CHECK_EQ(futex(&sh[2], FUTEX_WAIT, 0, NULL, NULL, 0), 0);
		child_exit();
	}
	ASSERT_EQ(wait_for_waiters(&sh[2], 1), 1);
	CHECK_EQ(futex(&sh[2], FUTEX_CMP_REQUEUE, 0, (void *)1L, &sh[3], 0), 1);
	CHECK_EQ(futex(&sh[2], FUTEX_WAKE, 1, NULL, NULL, 0), 0);
	CHECK_EQ(futex(&sh[3], FUTEX_WAKE, 1, NULL, NULL, 0), 1);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	munmap(sh, 4096);
	return test_done();
}
