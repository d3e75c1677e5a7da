//go:build ignore

/*
 * Robust futexes (set_robust_list(2), Documentation/locking/robust-futex-
 * ABI): when a thread dies holding a lock on its robust list, the kernel
 * sets FUTEX_OWNER_DIED (clearing the TID, keeping FUTEX_WAITERS) and
 * wakes one waiter; the list_op_pending entry is handled too; locks owned
 * by another TID are left alone. get_robust_list returns what was set;
 * a wrong length is EINVAL. pthread robust mutexes see EOWNERDEAD.
 */
#include "testutil.h"
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/mman.h>

static long futex(void *uaddr, int op, int val, const void *ts, void *uaddr2, int val3)
{
	return RAW(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

/* A lock in shared memory: the list link, then the futex word. */
struct lock {
	struct robust_list list;
	int word;
};

struct shared {
	struct robust_list_head head;
	struct lock locks[4];
};

static int wait_for_waiters(int *addr, long n)
{
	long long t0 = now_ns();
	while (now_ns() - t0 < 10 * 1000000000LL) {
		if (futex(addr, FUTEX_CMP_REQUEUE, 0, (void *)(long)INT_MAX, addr, *addr) == n)
			return 1;
		usleep(1000);
	}
	return 0;
}

static pthread_mutex_t mu;
static void *hold_and_die(void *arg)
{
	(void)arg;
	if (pthread_mutex_lock(&mu) != 0)
		return (void *)1;
	return NULL; /* exits holding it */
}

int main(void)
{
	struct robust_list_head *got;
	size_t len;

	/* get_robust_list(0) is the caller's (glibc set one up). */
	CHECK_EQ(RAW(SYS_get_robust_list, 0, &got, &len), 0);
	CHECK_EQ(len, sizeof(struct robust_list_head));
	/* Wrong length: EINVAL. */
	struct robust_list_head mine = {{&mine.list}, 0, NULL};
	CHECK_ERRNO(RAW(SYS_set_robust_list, &mine, sizeof(mine) + 1), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_set_robust_list, &mine, 0), -1, EINVAL);

	struct shared *s = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
				-1, 0);
	ASSERT_NE(s, MAP_FAILED);
	pid_t pid = test_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int tid = (int)RAW(SYS_gettid);
		/* locks[0] and [1] held by us, on the list; [2] on the list
		 * but owned by someone else; [3] pending, held by us. */
		s->head.futex_offset = offsetof(struct lock, word) - offsetof(struct lock, list);
		s->head.list.next = &s->locks[0].list;
		s->locks[0].list.next = &s->locks[1].list;
		s->locks[1].list.next = &s->locks[2].list;
		s->locks[2].list.next = &s->head.list;
		s->locks[0].word = tid;
		s->locks[1].word = tid | FUTEX_WAITERS;
		s->locks[2].word = tid + 1;
		s->locks[3].word = tid;
		s->head.list_op_pending = &s->locks[3].list;
		ASSERT_OK(RAW(SYS_set_robust_list, &s->head, sizeof(s->head)));
		CHECK_EQ(RAW(SYS_get_robust_list, 0, &got, &len), 0);
		CHECK_EQ(got, &s->head);
		/* Wait until the parent waits on locks[1]. */
		ASSERT_EQ(wait_for_waiters(&s->locks[1].word, 1), 1);
		_exit(0);
	}
	/* Wait on locks[1] for the owner's death. */
	long long t0 = now_ns();
	while (__atomic_load_n(&s->locks[1].word, __ATOMIC_SEQ_CST) == 0 &&
	       now_ns() - t0 < 5 * 1000000000LL)
		usleep(1000);
	int w = s->locks[1].word;
	CHECK_EQ(w & FUTEX_WAITERS, FUTEX_WAITERS);
	long r = futex(&s->locks[1].word, FUTEX_WAIT, w, NULL, NULL, 0);
	/* Woken by the kernel (0), or the word had already changed. */
	CHECK(r == 0 || errno == EAGAIN);
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	CHECK_EQ(s->locks[0].word, FUTEX_OWNER_DIED);
	CHECK_EQ((unsigned)s->locks[1].word, FUTEX_OWNER_DIED | FUTEX_WAITERS);
	CHECK_EQ(s->locks[2].word & FUTEX_OWNER_DIED, 0);
	CHECK_EQ(s->locks[3].word, FUTEX_OWNER_DIED);

	/* pthread robust mutexes: a thread exits holding one; the next
	 * locker gets EOWNERDEAD and can make it consistent. */
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	ASSERT_EQ(pthread_mutex_init(&mu, &a), 0);
	pthread_t th;
	ASSERT_EQ(pthread_create(&th, NULL, hold_and_die, NULL), 0);
	void *ret;
	CHECK_EQ(pthread_join(th, &ret), 0);
	CHECK_EQ(ret, NULL);
	CHECK_EQ(pthread_mutex_lock(&mu), EOWNERDEAD);
	CHECK_EQ(pthread_mutex_consistent(&mu), 0);
	CHECK_EQ(pthread_mutex_unlock(&mu), 0);
	CHECK_EQ(pthread_mutex_lock(&mu), 0);
	CHECK_EQ(pthread_mutex_unlock(&mu), 0);

	/* The same across processes, with a blocked waiter. */
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutex_t *pm = (pthread_mutex_t *)&s->locks[0];
	memset(s, 0, 4096);
	ASSERT_EQ(pthread_mutex_init(pm, &a), 0);
	volatile int *locked = (volatile int *)&s->locks[3];
	pid = test_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		CHECK_EQ(pthread_mutex_lock(pm), 0);
		__atomic_store_n(locked, 1, __ATOMIC_SEQ_CST);
		usleep(50000);
		child_exit(); /* dies holding it */
	}
	/* Lock once the child holds it (we block until it dies). */
	long long t1 = now_ns();
	while (!__atomic_load_n(locked, __ATOMIC_SEQ_CST) && now_ns() - t1 < 5000000000LL)
		usleep(1000);
	int lr = pthread_mutex_lock(pm);
	CHECK_EQ(lr, EOWNERDEAD);
	if (lr == EOWNERDEAD)
		CHECK_EQ(pthread_mutex_consistent(pm), 0);
	CHECK_EQ(pthread_mutex_unlock(pm), 0);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	return test_done();
}
