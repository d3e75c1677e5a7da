//go:build ignore

/*
 * set_tid_address returns the caller's tid, in the main thread and in other
 * threads; clear_child_tid is cleared and futex-woken at thread exit (which
 * is what pthread_join relies on).
 */
#include "testutil.h"
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>

static pid_t thread_tid;

/*
 * A pthread must keep the clear address glibc registered (pthread_join
 * waits on it), so it only records its tid; set_tid_address in a new thread
 * is tested with the raw clone below.
 */
static void *thread(void *arg)
{
	(void)arg;
	thread_tid = RAW(SYS_gettid);
	return NULL;
}

/* A raw thread made with clone(CLONE_CHILD_CLEARTID): its ctid word is set
 * to its tid by CLONE_CHILD_SETTID, then cleared and woken at exit. */
static volatile pid_t ctid;
static volatile int child_ran;
static pid_t raw_ret;

static int raw_thread(void *arg)
{
	(void)arg;
	child_ran = 1;
	/* set_tid_address in the new thread returns its own tid, and leaves
	 * the clear address pointing at ctid. */
	raw_ret = RAW(SYS_set_tid_address, &ctid);
	RAW(SYS_exit, 0); /* exit this thread only */
	return 0;
}

int main(void)
{
	pid_t tid = RAW(SYS_gettid);
	int dummy;
	/* In the main thread: returns the tid (== pid). We must not leave the
	 * address pointing at a dead variable, so use a static one. */
	static int scratch;
	CHECK_EQ(RAW(SYS_set_tid_address, &scratch), tid);
	CHECK_EQ(tid, getpid());
	/* NULL is allowed. */
	CHECK_EQ(RAW(SYS_set_tid_address, NULL), tid);
	/* Any pointer is accepted: it is only used at exit. */
	CHECK_EQ(RAW(SYS_set_tid_address, &dummy), tid);
	CHECK_EQ(RAW(SYS_set_tid_address, &scratch), tid);

	/* In a pthread: its own tid. */
	pthread_t t;
	ASSERT_EQ(pthread_create(&t, NULL, thread, NULL), 0);
	CHECK_EQ(pthread_join(t, NULL), 0);
	CHECK_GT(thread_tid, 0);
	CHECK_NE(thread_tid, tid);
	/* pthread_join returning at all shows the kernel cleared and woke
	 * glibc's clear_child_tid word at thread exit. */

	/* Raw clone with CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID. */
	size_t stack_size = 64 * 1024;
	char *stack = mmap(NULL, stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(stack, MAP_FAILED);
	ctid = -1;
	int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
		    CLONE_SYSVSEM | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID;
	pid_t c = clone(raw_thread, stack + stack_size, flags, NULL, NULL, NULL, &ctid);
	ASSERT_GT(c, 0);
	/* Wait for the kernel to clear ctid and wake us (FUTEX_WAIT on it). */
	long long t0 = now_ns();
	for (;;) {
		pid_t v = ctid;
		if (v == 0)
			break;
		if (now_ns() - t0 > 20 * 1000000000LL) {
			FAIL("ctid never cleared (still %d)", v);
			break;
		}
		/* v is the tid (set at clone) or -1 if not yet set. */
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		RAW(SYS_futex, &ctid, FUTEX_WAIT, v, &ts, NULL, 0);
	}
	CHECK_EQ(ctid, 0);
	CHECK_EQ(child_ran, 1);
	CHECK_EQ(raw_ret, c);
	CHECK_NE(c, tid);
	CHECK_EQ(munmap(stack, stack_size), 0);
	return test_done();
}
