//go:build ignore

/*
 * vfork: the parent is suspended until the child calls _exit or execve, and
 * the child shares the parent's memory meanwhile.
 */
#include "testutil.h"
#include <signal.h>

static volatile int shared_flag;

int main(void)
{
	int status;
	pid_t me = getpid();

	/* The child runs first and its writes to memory are seen by the parent. */
	shared_flag = 0;
	pid_t pid = vfork();
	if (pid == 0) {
		shared_flag = getpid();
		/* Sleep a bit to prove the parent waits (no libc calls that touch
		 * stdio; nanosleep is a plain syscall). */
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		shared_flag += 1;
		_exit(9);
	}
	ASSERT_GE(pid, 0);
	CHECK_NE(pid, me);
	/* By the time vfork returns here, the child has exited. */
	CHECK_EQ(shared_flag, pid + 1);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_EXITED(status, 9);

	/* The child's parent is us. (glibc's vfork is the raw syscall in
	 * assembly; calling it through syscall() would corrupt the shared stack.) */
	shared_flag = 0;
	pid = vfork();
	if (pid == 0) {
		shared_flag = (int)RAW(SYS_getppid);
		RAW(SYS_exit, 0);
	}
	ASSERT_GE(pid, 0);
	CHECK_EQ(shared_flag, me);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_EXITED(status, 0);

	/* vfork + execve: the parent resumes when the child execs. */
	shared_flag = 0;
	pid = vfork();
	if (pid == 0) {
		shared_flag = 1;
		char *argv[] = { "true", NULL };
		char *envp[] = { NULL };
		execve("/bin/true", argv, envp);
		shared_flag = 2;
		_exit(127);
	}
	ASSERT_GE(pid, 0);
	CHECK_EQ(shared_flag, 1);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_EXITED(status, 0);

	/* vfork + failing execve: the child reports and exits. */
	shared_flag = 0;
	pid = vfork();
	if (pid == 0) {
		char *argv[] = { "x", NULL };
		char *envp[] = { NULL };
		execve("/no-such-moat", argv, envp);
		shared_flag = errno;
		_exit(127);
	}
	ASSERT_GE(pid, 0);
	CHECK_EQ(shared_flag, ENOENT);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_EXITED(status, 127);

	/* A vfork child killed by a signal releases the parent too. */
	pid = vfork();
	if (pid == 0) {
		RAW(SYS_kill, RAW(SYS_getpid), SIGKILL);
		_exit(1);
	}
	ASSERT_GE(pid, 0);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_SIGNALED(status, SIGKILL);
	return test_done();
}
