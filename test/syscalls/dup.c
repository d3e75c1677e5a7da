//go:build ignore

/* dup, dup2 and dup3: numbering, shared offsets, close-on-exec, errors. */
#include "testutil.h"
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>

int main(void)
{
	int fd, d, p[2];
	char c;

	ASSERT_OK(fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC));
	CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);

	/* dup: lowest free number, no close-on-exec, shared offset. */
	ASSERT_OK(d = RAW(SYS_dup, fd));
	CHECK_EQ(d, fd + 1);
	CHECK_EQ(fcntl(d, F_GETFD), 0);
	CHECK_EQ(lseek(fd, 5, SEEK_SET), 5);
	CHECK_EQ(lseek(d, 0, SEEK_CUR), 5);
	CHECK_EQ(read(d, &c, 1), 1);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 6);
	/* Status flags are shared too. */
	CHECK_EQ(fcntl(d, F_SETFL, O_NONBLOCK), 0);
	CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
	CHECK_EQ(fcntl(d, F_SETFL, 0), 0);
	/* Closing the original leaves the dup working. */
	struct stat a, b;
	CHECK_OK(fstat(fd, &a));
	CHECK_EQ(close(fd), 0);
	CHECK_OK(fstat(d, &b));
	CHECK_EQ(a.st_ino, b.st_ino);
	/* The freed number is reused by the next dup. */
	CHECK_EQ(RAW(SYS_dup, d), fd);
	CHECK_ERRNO(RAW(SYS_dup, -1), -1, EBADF);
	CHECK_ERRNO(RAW(SYS_dup, 4000), -1, EBADF);

	/* dup2 onto a chosen number, closing what was there. */
	ASSERT_OK(pipe(p));
	CHECK_EQ(RAW(SYS_dup2, d, 100), 100);
	CHECK_EQ(fcntl(100, F_GETFD), 0);
	CHECK_EQ(lseek(100, 0, SEEK_CUR), 6);
	/* dup2 over an open fd replaces it: 100 now is the pipe's write end. */
	CHECK_EQ(RAW(SYS_dup2, p[1], 100), 100);
	CHECK_EQ(write(100, "q", 1), 1);
	CHECK_EQ(read(p[0], &c, 1), 1);
	CHECK_EQ(c, 'q');
	CHECK_ERRNO(lseek(100, 0, SEEK_CUR), -1, ESPIPE);
	/* dup2 of an fd onto itself: returns it, changes nothing. */
	CHECK_EQ(fcntl(fd, F_SETFD, FD_CLOEXEC), 0);
	CHECK_EQ(RAW(SYS_dup2, fd, fd), fd);
	CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
	/* ... but a bad oldfd is EBADF even then. */
	CHECK_ERRNO(RAW(SYS_dup2, 222, 222), -1, EBADF);
	CHECK_ERRNO(RAW(SYS_dup2, -1, 50), -1, EBADF);
	CHECK_ERRNO(RAW(SYS_dup2, d, -1), -1, EBADF);
	/* newfd at or above RLIMIT_NOFILE: EBADF. */
	struct rlimit rl;
	ASSERT_OK(getrlimit(RLIMIT_NOFILE, &rl));
	CHECK_ERRNO(RAW(SYS_dup2, d, rl.rlim_cur), -1, EBADF);
	CHECK_ERRNO(RAW(SYS_dup3, d, rl.rlim_cur, 0), -1, EBADF);
	/* dup2 onto a failed target does not close oldfd. */
	CHECK_EQ(fcntl(d, F_GETFD), 0);

	/* dup3: O_CLOEXEC is the only flag; same fd is EINVAL. */
	CHECK_EQ(RAW(SYS_dup3, d, 101, O_CLOEXEC), 101);
	CHECK_EQ(fcntl(101, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(RAW(SYS_dup3, d, 101, 0), 101);
	CHECK_EQ(fcntl(101, F_GETFD), 0);
	CHECK_ERRNO(RAW(SYS_dup3, d, d, 0), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_dup3, d, d, O_CLOEXEC), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_dup3, d, 102, O_NONBLOCK), -1, EINVAL);
	CHECK_ERRNO(fcntl(102, F_GETFD), -1, EBADF);
	CHECK_ERRNO(RAW(SYS_dup3, 333, 102, 0), -1, EBADF);
	/* Status flags belong to the description; close-on-exec to the fd. */
	CHECK_EQ(fcntl(d, F_GETFD), 0);

	close(100);
	close(101);
	close(d);
	close(fd);
	close(p[0]);
	close(p[1]);
	return test_done();
}
