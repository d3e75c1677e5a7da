//go:build ignore

/* close: EBADF cases, fd reuse, and that a closed fd is really gone. */
#include "testutil.h"
#include <fcntl.h>
#include <sys/resource.h>

int main(void)
{
	int fd, fd2, p[2];

	CHECK_ERRNO(close(-1), -1, EBADF);
	CHECK_ERRNO(close(-1000), -1, EBADF);
	CHECK_ERRNO(close(5000), -1, EBADF);
	CHECK_ERRNO(close(INT32_MAX), -1, EBADF);

	ASSERT_OK(fd = open("/etc/passwd", O_RDONLY));
	CHECK_EQ(close(fd), 0);
	/* Closing twice: EBADF. Using a closed fd: EBADF. */
	CHECK_ERRNO(close(fd), -1, EBADF);
	char c;
	CHECK_ERRNO(read(fd, &c, 1), -1, EBADF);
	CHECK_ERRNO(fcntl(fd, F_GETFD), -1, EBADF);
	CHECK_ERRNO(lseek(fd, 0, SEEK_SET), -1, EBADF);

	/* The lowest free number is reused. */
	ASSERT_OK(fd = open("/etc/passwd", O_RDONLY));
	ASSERT_OK(fd2 = open("/etc/passwd", O_RDONLY));
	CHECK_EQ(fd2, fd + 1);
	CHECK_EQ(close(fd), 0);
	int fd3;
	ASSERT_OK(fd3 = dup(fd2));
	CHECK_EQ(fd3, fd);
	CHECK_EQ(close(fd2), 0);
	CHECK_EQ(close(fd3), 0);

	/* Closing one end of a pipe: the other end sees EOF. Closing a dup
	 * of the write end alone does not. */
	ASSERT_OK(pipe(p));
	int w2;
	ASSERT_OK(w2 = dup(p[1]));
	CHECK_EQ(close(p[1]), 0);
	CHECK_EQ(write(w2, "z", 1), 1);
	CHECK_EQ(read(p[0], &c, 1), 1);
	CHECK_EQ(c, 'z');
	CHECK_EQ(close(w2), 0);
	CHECK_EQ(read(p[0], &c, 1), 0);
	CHECK_EQ(close(p[0]), 0);

	/* close_range closes a range; the fds after are EBADF. */
	int a, b;
	ASSERT_OK(a = open("/dev/null", O_RDONLY));
	ASSERT_OK(b = open("/dev/null", O_RDONLY));
	CHECK_EQ(RAW(SYS_close_range, a, b, 0), 0);
	CHECK_ERRNO(fcntl(a, F_GETFD), -1, EBADF);
	CHECK_ERRNO(fcntl(b, F_GETFD), -1, EBADF);
	/* first > last is EINVAL. */
	CHECK_ERRNO(RAW(SYS_close_range, 10, 5, 0), -1, EINVAL);

	/* stdin, stdout, stderr are open at start. */
	CHECK_GE(fcntl(0, F_GETFD), 0);
	CHECK_GE(fcntl(1, F_GETFD), 0);
	CHECK_GE(fcntl(2, F_GETFD), 0);
	return test_done();
}
