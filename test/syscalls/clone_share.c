//go:build ignore

/*
 * clone's sharing flags: CLONE_FILES (a descriptor opened or closed by the
 * child is opened or closed for the parent), CLONE_FS (chdir and umask
 * shared), CLONE_SIGHAND (a handler set by the child is the parent's),
 * CLONE_VM|CLONE_VFORK (the parent waits until the child exits, and sees
 * its writes); without them, each has its own copy. And the flag
 * combinations Linux refuses with EINVAL.
 */
#include "testutil.h"
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>

static long raw_clone(unsigned long flags)
{
	return RAW(SYS_clone, flags, 0, NULL, NULL, 0);
}

static volatile int vm_value;
static int vm_child(void *arg)
{
	(void)arg;
	struct timespec ts = { 0, 50 * 1000000 };
	RAW(SYS_nanosleep, &ts, NULL);
	vm_value = 1234;
	return 7;
}

static void handler(int sig) { (void)sig; }

static int sighand_child(void *arg)
{
	(void)arg;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	return sigaction(SIGUSR2, &sa, NULL) == 0 ? 0 : 1;
}

static char stack[256 * 1024] __attribute__((aligned(16)));

int main(void)
{
	int st;

	/* CLONE_FILES. */
	int keep = open("/dev/null", O_RDONLY);
	ASSERT_OK(keep);
	long pid = raw_clone(CLONE_FILES | SIGCHLD);
	if (pid == 0) {
		int fd = open("/proc/self/status", O_RDONLY);
		if (fd < 0 || dup2(fd, 100) != 100)
			_exit(2);
		close(keep);
		_exit(0);
	}
	ASSERT_GT(pid, 0);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	CHECK_GE(fcntl(100, F_GETFD), 0);
	CHECK_ERRNO(fcntl(keep, F_GETFD), -1, EBADF);
	close(100);
	/* Without it, the child's changes stay its own. */
	keep = open("/dev/null", O_RDONLY);
	pid = raw_clone(SIGCHLD);
	if (pid == 0) {
		close(keep);
		dup2(0, 101);
		_exit(0);
	}
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_GE(fcntl(keep, F_GETFD), 0);
	CHECK_ERRNO(fcntl(101, F_GETFD), -1, EBADF);
	close(keep);

	/* CLONE_FS: cwd and umask. */
	char cwd0[4096];
	ASSERT_NE(getcwd(cwd0, sizeof(cwd0)), NULL);
	mode_t um0 = umask(022);
	pid = raw_clone(CLONE_FS | SIGCHLD);
	if (pid == 0) {
		if (chdir("/proc") != 0)
			_exit(2);
		umask(0077);
		_exit(0);
	}
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	char cwd[4096];
	CHECK_NE(getcwd(cwd, sizeof(cwd)), NULL);
	CHECK_STREQ(cwd, "/proc");
	CHECK_EQ(umask(022), 0077);
	CHECK_OK(chdir(cwd0));
	pid = raw_clone(SIGCHLD);
	if (pid == 0) {
		if (chdir("/") != 0)
			_exit(2);
		umask(0);
		_exit(0);
	}
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_NE(getcwd(cwd, sizeof(cwd)), NULL);
	CHECK_STREQ(cwd, cwd0);
	CHECK_EQ(umask(um0), 022);

	/* CLONE_VM|CLONE_VFORK: suspended until the child exits; memory shared. */
	long long t0 = now_ns();
	pid = clone(vm_child, stack + sizeof(stack), CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);
	ASSERT_GT(pid, 0);
	CHECK_GE(now_ns() - t0, 45 * 1000000LL);
	CHECK_EQ(vm_value, 1234);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_EXITED(st, 7);

	/* CLONE_SIGHAND (with CLONE_VM, as required). */
	pid = clone(sighand_child, stack + sizeof(stack), CLONE_VM | CLONE_SIGHAND | CLONE_VFORK | SIGCHLD, NULL);
	ASSERT_GT(pid, 0);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	struct sigaction cur;
	CHECK_OK(sigaction(SIGUSR2, NULL, &cur));
	CHECK_EQ(cur.sa_handler, handler);
	signal(SIGUSR2, SIG_DFL);
	/* Without it, the parent's action is untouched. */
	pid = clone(sighand_child, stack + sizeof(stack), CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_OK(sigaction(SIGUSR2, NULL, &cur));
	CHECK_EQ(cur.sa_handler, SIG_DFL);

	/* Refused combinations. */
	CHECK_ERRNO(raw_clone(CLONE_SIGHAND | SIGCHLD), -1, EINVAL);
	CHECK_ERRNO(raw_clone(CLONE_THREAD | CLONE_VM | SIGCHLD), -1, EINVAL);
	CHECK_ERRNO(raw_clone(CLONE_THREAD), -1, EINVAL);
	CHECK_ERRNO(raw_clone(CLONE_FS | CLONE_NEWNS | SIGCHLD), -1, EINVAL);
	CHECK_ERRNO(raw_clone(CLONE_FS | CLONE_NEWUSER | SIGCHLD), -1, EINVAL);
	/* CLONE_PIDFD shares the parent_tid slot with CLONE_PARENT_SETTID. */
	int slot;
	CHECK_ERRNO(RAW(SYS_clone, CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, 0, &slot, NULL, 0), -1, EINVAL);
	/* No child was left behind by any of them. */
	CHECK_ERRNO(waitpid(-1, &st, WNOHANG), -1, ECHILD);
	return test_done();
}
