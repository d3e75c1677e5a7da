//go:build ignore

/*
 * seccomp_strict: SECCOMP_MODE_STRICT, through prctl(PR_SET_SECCOMP) and
 * seccomp(SECCOMP_SET_MODE_STRICT). Only read, write, exit and
 * rt_sigreturn are allowed afterwards; anything else, exit_group and
 * prctl included, kills the thread with SIGKILL. A child in strict mode
 * reports with write and ends with the raw exit syscall.
 */
#include "testutil.h"
#include <linux/seccomp.h>
#include <sys/prctl.h>

/* strict_exit ends a strict-mode child: exit_group is not allowed. */
__attribute__((noreturn)) static void strict_exit(int code)
{
	syscall(SYS_exit, code);
	__builtin_unreachable();
}

static int run(void (*fn)(int), int arg)
{
	pid_t pid = test_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		fn(arg);
	int st;
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	return st;
}

static int fds[2];

/* Strict mode via prctl; read and write work; exit ends the child. */
static void t_prctl(int how)
{
	char c = 'x', got = 0;
	long r = how ? syscall(SYS_seccomp, SECCOMP_SET_MODE_STRICT, 0, NULL)
		     : prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0);
	if (r != 0)
		strict_exit(10);
	if (write(fds[1], &c, 1) != 1)
		strict_exit(11);
	if (read(fds[0], &got, 1) != 1 || got != 'x')
		strict_exit(12);
	strict_exit(0);
}

/* Any other call kills. */
static void t_forbidden(int nr)
{
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0) != 0)
		strict_exit(10);
	switch (nr) {
	case 0:
		syscall(SYS_getpid);
		break;
	case 1:
		syscall(SYS_exit_group, 0);
		break;
	case 2:
		syscall(SYS_prctl, PR_GET_SECCOMP, 0, 0, 0, 0);
		break;
	case 3:
		syscall(SYS_seccomp, SECCOMP_SET_MODE_STRICT, 0, NULL);
		break;
	case 4:
		syscall(SYS_close, 100);
		break;
	}
	strict_exit(20);
}

int main(void)
{
	ASSERT_EQ(pipe(fds), 0);
	CHECK_EQ(prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 0);
	CHECK_EXITED(run(t_prctl, 0), 0);
	CHECK_EXITED(run(t_prctl, 1), 0);
	for (int i = 0; i <= 4; i++)
		CHECK_SIGNALED(run(t_forbidden, i), SIGKILL);
	/* Argument errors. */
	CHECK_ERRNO(syscall(SYS_seccomp, SECCOMP_SET_MODE_STRICT, 1, NULL), -1, EINVAL);
	CHECK_ERRNO(syscall(SYS_seccomp, SECCOMP_SET_MODE_STRICT, 0, (void *)fds), -1, EINVAL);
	CHECK_ERRNO(prctl(PR_SET_SECCOMP, 7, 0, 0, 0), -1, EINVAL);
	/* The parent is untouched. */
	CHECK_EQ(prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 0);
	CHECK_GE(getpid(), 1);
	return test_done();
}
