//go:build ignore

/*
 * clone's TID and TLS arguments: CLONE_PARENT_SETTID stores the child's
 * TID in the parent's memory, CLONE_CHILD_SETTID in the child's;
 * CLONE_CHILD_CLEARTID zeroes the word and wakes a futex waiter when the
 * child exits; CLONE_SETTLS sets the child's FS base; CLONE_PARENT makes
 * the new process a sibling of the caller (its parent's child).
 */
#include "testutil.h"
#include <asm/prctl.h>
#include <linux/futex.h>
#include <sched.h>

static char stack[256 * 1024] __attribute__((aligned(16)));
static volatile pid_t ctid_word, ptid_word;

static int sleeper(void *arg)
{
	(void)arg;
	struct timespec ts = { 0, 50 * 1000000 };
	RAW(SYS_nanosleep, &ts, NULL);
	return 0;
}

static unsigned long tls_block[512] __attribute__((aligned(64)));

int main(void)
{
	int st;

	/* PARENT_SETTID and CHILD_SETTID, without CLONE_VM. */
	pid_t ptid = 0, ctid = 0;
	long pid = RAW(SYS_clone, CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | SIGCHLD, 0, &ptid, &ctid, 0);
	if (pid == 0) {
		/* The child's own copy has its TID in ctid. */
		_exit(ctid == (pid_t)RAW(SYS_gettid) ? 0 : 3);
	}
	ASSERT_GT(pid, 0);
	CHECK_EQ(ptid, pid);
	CHECK_EQ(ctid, 0); /* written in the child's memory only */
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);

	/* CHILD_CLEARTID with shared memory: set, then cleared and woken. */
	ctid_word = -1;
	pid = clone(sleeper, stack + sizeof(stack),
		    CLONE_VM | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | CLONE_PARENT_SETTID | SIGCHLD, NULL,
		    &ptid_word, NULL, &ctid_word);
	ASSERT_GT(pid, 0);
	CHECK_EQ(ptid_word, pid);
	long long t0 = now_ns();
	while (ctid_word == -1 && now_ns() - t0 < 5000000000LL)
		sched_yield();
	pid_t seen = ctid_word;
	CHECK(seen == pid || seen == 0);
	/* Wait on the futex until the kernel clears it at exit. */
	while (ctid_word != 0 && now_ns() - t0 < 10000000000LL) {
		struct timespec to = { 1, 0 };
		RAW(SYS_futex, &ctid_word, FUTEX_WAIT, pid, &to, NULL, 0);
	}
	CHECK_EQ(ctid_word, 0);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);

	/* CLONE_SETTLS: the child's FS base is the given address. */
	tls_block[0] = (unsigned long)tls_block;
	pid = RAW(SYS_clone, CLONE_SETTLS | SIGCHLD, 0, NULL, NULL, tls_block);
	if (pid == 0) {
		/* No libc here: our TLS is not glibc's any more. */
		unsigned long fs = 0, self;
		RAW(SYS_arch_prctl, ARCH_GET_FS, &fs);
		__asm__ volatile("mov %%fs:0, %0" : "=r"(self));
		RAW(SYS_exit_group, fs == (unsigned long)tls_block && self == fs ? 0 : 4);
	}
	ASSERT_GT(pid, 0);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	/* Ours is unchanged. */
	unsigned long myfs = 0;
	CHECK_EQ(RAW(SYS_arch_prctl, ARCH_GET_FS, &myfs), 0);
	CHECK_NE(myfs, (unsigned long)tls_block);

	/* CLONE_PARENT: a child C clones G with CLONE_PARENT; G is our child. */
	int p[2];
	ASSERT_OK(pipe(p));
	pid_t c = test_fork();
	if (c == 0) {
		long g = RAW(SYS_clone, CLONE_PARENT | SIGCHLD, 0, NULL, NULL, 0);
		if (g == 0) {
			pid_t pp = getppid();
			_exit(pp == (pid_t)RAW(SYS_getppid) && pp != 0 ? 0 : 5);
		}
		if (g < 0)
			_exit(6);
		pid_t gp = (pid_t)g;
		if (write(p[1], &gp, sizeof(gp)) != sizeof(gp))
			_exit(7);
		/* Not ours to wait for. */
		int cst;
		_exit(waitpid(gp, &cst, 0) == -1 && errno == ECHILD ? 0 : 8);
	}
	close(p[1]);
	pid_t g;
	CHECK_EQ(read(p[0], &g, sizeof(g)), (ssize_t)sizeof(g));
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK_CHILD_OK(st);
	CHECK_EQ(waitpid(g, &st, 0), g);
	CHECK_CHILD_OK(st);
	return test_done();
}
