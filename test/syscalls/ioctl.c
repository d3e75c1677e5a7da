//go:build ignore

/*
 * ioctl: terminal requests on non-terminals are ENOTTY (pipe, /dev/null,
 * regular file), FIONREAD, FIONBIO, FIOCLEX/FIONCLEX, and errors.
 */
#include "testutil.h"
#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>

int main(void)
{
	struct termios t;
	struct winsize ws;
	int p[2], fd, nul;

	ASSERT_OK(pipe(p));
	ASSERT_OK(fd = open("/etc/passwd", O_RDONLY));
	ASSERT_OK(nul = open("/dev/null", O_RDWR));

	/* TCGETS and TIOCGWINSZ on things that are not terminals: ENOTTY. */
	int fds[] = { p[0], p[1], fd, nul };
	for (int i = 0; i < 4; i++) {
		CHECK_ERRNO(ioctl(fds[i], TCGETS, &t), -1, ENOTTY);
		CHECK_ERRNO(ioctl(fds[i], TIOCGWINSZ, &ws), -1, ENOTTY);
		CHECK_ERRNO(ioctl(fds[i], TIOCGPGRP, &ws), -1, ENOTTY);
	}
	/* The libc wrappers agree. */
	CHECK_EQ(isatty(p[0]), 0);
	CHECK_EQ(errno, ENOTTY);
	CHECK_ERRNO(tcgetattr(nul, &t), -1, ENOTTY);

	/* FIONREAD on a pipe: bytes available. */
	int n = -1;
	CHECK_EQ(ioctl(p[0], FIONREAD, &n), 0);
	CHECK_EQ(n, 0);
	CHECK_EQ(write(p[1], "hello", 5), 5);
	CHECK_EQ(ioctl(p[0], FIONREAD, &n), 0);
	CHECK_EQ(n, 5);
	char buf[8];
	CHECK_EQ(read(p[0], buf, 2), 2);
	CHECK_EQ(ioctl(p[0], FIONREAD, &n), 0);
	CHECK_EQ(n, 3);
	CHECK_EQ(read(p[0], buf, 3), 3);
	/* FIONREAD on a regular file: bytes from the offset to EOF. */
	off_t size = lseek(fd, 0, SEEK_END);
	CHECK_EQ(lseek(fd, 10, SEEK_SET), 10);
	CHECK_EQ(ioctl(fd, FIONREAD, &n), 0);
	CHECK_EQ(n, size - 10);

	/* FIONBIO sets and clears O_NONBLOCK. */
	int on = 1, off = 0;
	CHECK_EQ(ioctl(p[0], FIONBIO, &on), 0);
	CHECK(fcntl(p[0], F_GETFL) & O_NONBLOCK);
	CHECK_ERRNO(read(p[0], buf, 1), -1, EAGAIN);
	CHECK_EQ(ioctl(p[0], FIONBIO, &off), 0);
	CHECK_EQ(fcntl(p[0], F_GETFL) & O_NONBLOCK, 0);

	/* FIOCLEX / FIONCLEX set and clear close-on-exec. */
	CHECK_EQ(ioctl(fd, FIOCLEX), 0);
	CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(ioctl(fd, FIONCLEX), 0);
	CHECK_EQ(fcntl(fd, F_GETFD), 0);

	/* An unknown request on a pipe: ENOTTY. On a bad fd: EBADF. */
	CHECK_ERRNO(ioctl(p[0], 0x12345678, 0), -1, ENOTTY);
	CHECK_ERRNO(ioctl(-1, TCGETS, &t), -1, EBADF);
	CHECK_ERRNO(ioctl(999, FIONREAD, &n), -1, EBADF);
	/* A bad pointer for FIONREAD: EFAULT. */
	CHECK_ERRNO(ioctl(p[0], FIONREAD, (void *)8), -1, EFAULT);
	/* O_PATH fds do not allow ioctl: EBADF. */
	int pfd;
	ASSERT_OK(pfd = open("/etc/passwd", O_PATH));
	CHECK_ERRNO(ioctl(pfd, FIONREAD, &n), -1, EBADF);
	close(pfd);
	close(p[0]);
	close(p[1]);
	close(fd);
	close(nul);
	return test_done();
}
