//go:build ignore

/*
 * clone3: the size rules (below the first version EINVAL, above a page
 * E2BIG, a larger struct with non-zero tail E2BIG, zero tail fine), the
 * exit signal (a child with SIGUSR1 is waited for with __WCLONE and
 * signals its parent with SIGUSR1), parent_tid/child_tid, and the checks
 * on flags, exit_signal, stack and set_tid; CLONE_CLEAR_SIGHAND resets
 * handled signals in the child but keeps ignored ones.
 */
#include "testutil.h"
#include <linux/sched.h>
#include <sched.h>

#ifndef CLONE_CLEAR_SIGHAND
#define CLONE_CLEAR_SIGHAND 0x100000000ULL
#endif

static long clone3_raw(void *args, size_t size)
{
	return RAW(SYS_clone3, args, size);
}

/* A clone_args with room after it for the size tests. */
static struct {
	struct clone_args a;
	unsigned char tail[64];
} big;

static void handler(int sig) { (void)sig; }

int main(void)
{
	struct clone_args a;
	int st;

	/* Sizes. */
	memset(&big, 0, sizeof(big));
	big.a.exit_signal = SIGCHLD;
	CHECK_ERRNO(clone3_raw(&big, 63), -1, EINVAL);
	CHECK_ERRNO(clone3_raw(&big, 0), -1, EINVAL);
	CHECK_ERRNO(clone3_raw(&big, 4097), -1, E2BIG);
	big.tail[3] = 1;
	CHECK_ERRNO(clone3_raw(&big, sizeof(big)), -1, E2BIG);
	big.tail[3] = 0;
	long pid = clone3_raw(&big, sizeof(big));
	if (pid == 0)
		_exit(11);
	ASSERT_GT(pid, 0);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_EXITED(st, 11);
	/* The first version's size (64) works. */
	pid = clone3_raw(&big, 64);
	if (pid == 0)
		_exit(12);
	ASSERT_GT(pid, 0);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_EXITED(st, 12);

	/* Exit signal SIGUSR1, parent_tid and child_tid. */
	sigset_t b;
	sigemptyset(&b);
	sigaddset(&b, SIGUSR1);
	CHECK_OK(sigprocmask(SIG_BLOCK, &b, NULL));
	pid_t ptid = 0, ctid = 0;
	memset(&a, 0, sizeof(a));
	a.flags = CLONE_PARENT_SETTID | CLONE_CHILD_SETTID;
	a.exit_signal = SIGUSR1;
	a.parent_tid = (uintptr_t)&ptid;
	a.child_tid = (uintptr_t)&ctid;
	pid = clone3_raw(&a, sizeof(a));
	if (pid == 0)
		_exit(ctid == (pid_t)RAW(SYS_gettid) ? 13 : 1);
	ASSERT_GT(pid, 0);
	CHECK_EQ(ptid, pid);
	siginfo_t si;
	struct timespec ts = { 10, 0 };
	CHECK_EQ(sigtimedwait(&b, &si, &ts), SIGUSR1);
	CHECK_EQ(si.si_code, CLD_EXITED);
	CHECK_EQ(si.si_pid, pid);
	CHECK_EQ(si.si_status, 13);
	CHECK_ERRNO(waitpid(pid, &st, 0), -1, ECHILD);
	CHECK_EQ(waitpid(pid, &st, __WCLONE), pid);
	CHECK_EXITED(st, 13);
	CHECK_OK(sigprocmask(SIG_UNBLOCK, &b, NULL));

	/* CLONE_CLEAR_SIGHAND: handlers reset, SIG_IGN kept. */
	signal(SIGUSR2, handler);
	signal(SIGHUP, SIG_IGN);
	memset(&a, 0, sizeof(a));
	a.flags = CLONE_CLEAR_SIGHAND;
	a.exit_signal = SIGCHLD;
	pid = clone3_raw(&a, sizeof(a));
	if (pid == 0) {
		struct sigaction cur;
		sigaction(SIGUSR2, NULL, &cur);
		if (cur.sa_handler != SIG_DFL)
			_exit(2);
		sigaction(SIGHUP, NULL, &cur);
		if (cur.sa_handler != SIG_IGN)
			_exit(3);
		_exit(0);
	}
	ASSERT_GT(pid, 0);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	signal(SIGUSR2, SIG_DFL);
	signal(SIGHUP, SIG_DFL);

	/* Refused. */
	memset(&a, 0, sizeof(a));
	a.exit_signal = 65;
	CHECK_ERRNO(clone3_raw(&a, sizeof(a)), -1, EINVAL);
	a.exit_signal = 0x100 | SIGCHLD;
	CHECK_ERRNO(clone3_raw(&a, sizeof(a)), -1, EINVAL);
	a.exit_signal = SIGCHLD;
	a.flags = 1ULL << 40;
	CHECK_ERRNO(clone3_raw(&a, sizeof(a)), -1, EINVAL);
	a.flags = CLONE_DETACHED;
	CHECK_ERRNO(clone3_raw(&a, sizeof(a)), -1, EINVAL);
	a.flags = CLONE_CLEAR_SIGHAND | CLONE_SIGHAND | CLONE_VM;
	CHECK_ERRNO(clone3_raw(&a, sizeof(a)), -1, EINVAL);
	/* Threads and CLONE_PARENT take no exit signal in clone3. */
	a.flags = CLONE_PARENT;
	CHECK_ERRNO(clone3_raw(&a, sizeof(a)), -1, EINVAL);
	a.flags = 0;
	a.stack_size = 4096;
	CHECK_ERRNO(clone3_raw(&a, sizeof(a)), -1, EINVAL);
	a.stack_size = 0;
	a.set_tid_size = 1;
	CHECK_ERRNO(clone3_raw(&a, sizeof(a)), -1, EINVAL);
	a.set_tid_size = 0;
	CHECK_ERRNO(clone3_raw(NULL, sizeof(a)), -1, EFAULT);
	CHECK_ERRNO(waitpid(-1, &st, __WALL | WNOHANG), -1, ECHILD);
	return test_done();
}
