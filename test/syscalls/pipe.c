//go:build ignore

/*
 * pipe and pipe2: data flow, O_CLOEXEC, O_NONBLOCK (EAGAIN), EOF after the
 * writer closes, EPIPE with SIGPIPE ignored, SIGPIPE delivered otherwise.
 */
#include "testutil.h"
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/ioctl.h>

static volatile sig_atomic_t sigpipes;
static void on_sigpipe(int sig)
{
	if (sig == SIGPIPE)
		sigpipes++;
}

int main(void)
{
	int p[2];
	char buf[128];

	/* pipe: two fds, lowest free, no flags. */
	ASSERT_OK(RAW(SYS_pipe, p));
	CHECK_EQ(p[0], 3);
	CHECK_EQ(p[1], 4);
	CHECK_EQ(fcntl(p[0], F_GETFD), 0);
	CHECK_EQ(fcntl(p[1], F_GETFD), 0);
	CHECK_EQ(fcntl(p[0], F_GETFL), O_RDONLY);
	CHECK_EQ(fcntl(p[1], F_GETFL), O_WRONLY);
	/* Data in order, message boundaries not kept. */
	CHECK_EQ(write(p[1], "abc", 3), 3);
	CHECK_EQ(write(p[1], "de", 2), 2);
	int avail = -1;
	CHECK_EQ(ioctl(p[0], FIONREAD, &avail), 0);
	CHECK_EQ(avail, 5);
	CHECK_EQ(read(p[0], buf, 2), 2);
	CHECK_MEMEQ(buf, "ab", 2);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 3);
	CHECK_MEMEQ(buf, "cde", 3);
	/* EOF once every write end is closed, after the data. */
	CHECK_EQ(write(p[1], "z", 1), 1);
	CHECK_EQ(close(p[1]), 0);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 1);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 0);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 0);
	CHECK_EQ(close(p[0]), 0);

	/* pipe2 with O_CLOEXEC. */
	ASSERT_OK(RAW(SYS_pipe2, p, O_CLOEXEC));
	CHECK_EQ(fcntl(p[0], F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(p[1], F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(p[0], F_GETFL), O_RDONLY);
	close(p[0]);
	close(p[1]);

	/* pipe2 with O_NONBLOCK: empty read is EAGAIN, full write is EAGAIN. */
	ASSERT_OK(RAW(SYS_pipe2, p, O_NONBLOCK));
	CHECK_EQ(fcntl(p[0], F_GETFD), 0);
	CHECK_EQ(fcntl(p[0], F_GETFL), O_RDONLY | O_NONBLOCK);
	CHECK_EQ(fcntl(p[1], F_GETFL), O_WRONLY | O_NONBLOCK);
	CHECK_ERRNO(read(p[0], buf, 1), -1, EAGAIN);
	/* Fill the 64 KiB pipe. */
	static char big[65536 + 4096];
	memset(big, 'x', sizeof(big));
	long total = 0;
	for (;;) {
		ssize_t n = write(p[1], big, 4096);
		if (n < 0) {
			CHECK_EQ(errno, EAGAIN);
			break;
		}
		total += n;
		if (total > (long)sizeof(big))
			break;
	}
	CHECK_EQ(total, 65536);
	CHECK_ERRNO(write(p[1], "y", 1), -1, EAGAIN);
	/* A write of at most PIPE_BUF is atomic: with room for fewer bytes it
	 * writes nothing. Drain one byte, then try PIPE_BUF bytes. */
	CHECK_EQ(read(p[0], buf, 1), 1);
	CHECK_ERRNO(write(p[1], big, PIPE_BUF), -1, EAGAIN);
	/* A larger write is partial. */
	CHECK_EQ(read(p[0], big, 8191), 8191);
	CHECK_EQ(write(p[1], big, PIPE_BUF + 1), PIPE_BUF + 1);
	/* Drain; then EOF on a non-blocking pipe with the writer gone is 0, not EAGAIN. */
	total = 0;
	for (;;) {
		ssize_t n = read(p[0], big, sizeof(big));
		if (n <= 0) {
			CHECK_ERRNO(n, -1, EAGAIN);
			break;
		}
		total += n;
	}
	CHECK_EQ(total, 65536 - 8192 + PIPE_BUF + 1);
	close(p[1]);
	CHECK_EQ(read(p[0], buf, 1), 0);
	close(p[0]);

	/* Bad flags: EINVAL. Bad pointer: EFAULT. */
	CHECK_ERRNO(RAW(SYS_pipe2, p, O_RDWR | 0x1000), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_pipe2, p, O_APPEND), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_pipe2, (void *)8, 0), -1, EFAULT);

	/* Reader closed, SIGPIPE ignored: EPIPE. */
	ASSERT_OK(pipe(p));
	CHECK_EQ(close(p[0]), 0);
	struct sigaction sa, old;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	CHECK_EQ(sigaction(SIGPIPE, &sa, &old), 0);
	CHECK_ERRNO(write(p[1], "x", 1), -1, EPIPE);
	/* With a handler: EPIPE and the handler runs once per write. */
	sa.sa_handler = on_sigpipe;
	CHECK_EQ(sigaction(SIGPIPE, &sa, NULL), 0);
	CHECK_ERRNO(write(p[1], "x", 1), -1, EPIPE);
	CHECK_EQ(sigpipes, 1);
	CHECK_ERRNO(write(p[1], "xy", 2), -1, EPIPE);
	CHECK_EQ(sigpipes, 2);
	close(p[1]);

	/* With the default action, SIGPIPE kills the writer. (The read end is
	 * closed before the fork, so no reader is left anywhere.) */
	ASSERT_OK(pipe(p));
	close(p[0]);
	pid_t pid = test_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		if (write(p[1], "x", 1) < 0) {
		}
		_exit(3); /* not reached */
	}
	close(p[1]);
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_SIGNALED(status, SIGPIPE);

	/* Across fork: the child writes, the parent reads, then EOF. */
	ASSERT_OK(pipe(p));
	pid = test_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		close(p[0]);
		CHECK_EQ(write(p[1], "from child", 10), 10);
		child_exit();
	}
	close(p[1]);
	size_t got = 0;
	for (;;) {
		ssize_t n = read(p[0], buf + got, sizeof(buf) - got);
		if (n <= 0) {
			CHECK_EQ(n, 0);
			break;
		}
		got += n;
	}
	CHECK_EQ(got, 10);
	CHECK_MEMEQ(buf, "from child", 10);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	close(p[0]);
	return test_done();
}
