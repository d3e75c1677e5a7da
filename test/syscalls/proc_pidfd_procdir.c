//go:build ignore
/*
 * pidfd_send_signal takes an open /proc/[pid] directory as a pidfd (Linux
 * 5.1+): the signal goes to that process. A /proc/[pid]/task/[tid]
 * directory, another /proc directory or a regular file is EBADF; a
 * /proc/[pid] directory of a reaped child is ESRCH.
 */
#include "testutil.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static volatile int got;
static void on_usr1(int sig) { got++; }

static long send(int fd, int sig) { return syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0); }

int main(void)
{
	signal(SIGUSR1, on_usr1);
	char path[64];
	snprintf(path, sizeof path, "/proc/%d", getpid());
	int dir = open(path, O_RDONLY | O_DIRECTORY);
	ASSERT_OK(dir);
	CHECK_EQ(send(dir, SIGUSR1), 0);
	CHECK_EQ(got, 1);
	CHECK_EQ(send(dir, 0), 0); /* signal 0: only the checks */
	CHECK_EQ(got, 1);

	snprintf(path, sizeof path, "/proc/%d/task/%ld", getpid(), (long)syscall(SYS_gettid));
	int task = open(path, O_RDONLY | O_DIRECTORY);
	ASSERT_OK(task);
	CHECK_ERRNO(send(task, SIGUSR1), -1, EBADF);
	int fdd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY);
	ASSERT_OK(fdd);
	CHECK_ERRNO(send(fdd, SIGUSR1), -1, EBADF);
	int file = open("/proc/self/status", O_RDONLY);
	ASSERT_OK(file);
	CHECK_ERRNO(send(file, SIGUSR1), -1, EBADF);
	CHECK_EQ(got, 1);

	/* A child's directory: the signal kills it; once reaped, ESRCH. */
	pid_t pid = test_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		for (;;)
			pause();
	}
	snprintf(path, sizeof path, "/proc/%d", pid);
	int cdir = open(path, O_RDONLY | O_DIRECTORY);
	ASSERT_OK(cdir);
	CHECK_EQ(send(cdir, SIGTERM), 0);
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	CHECK_ERRNO(send(cdir, SIGTERM), -1, ESRCH);
	return test_done();
}
