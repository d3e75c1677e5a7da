//go:build ignore

/* getdents64 and getdents on things that are not directories. */
#include "testutil.h"
#include <fcntl.h>

int main(void)
{
	char buf[4096];
	int fd, p[2];

	/* A regular file: ENOTDIR. */
	ASSERT_OK(fd = open("/etc/passwd", O_RDONLY));
	CHECK_ERRNO(RAW(SYS_getdents64, fd, buf, sizeof(buf)), -1, ENOTDIR);
	CHECK_ERRNO(RAW(SYS_getdents, fd, buf, sizeof(buf)), -1, ENOTDIR);
	/* The file offset did not move. */
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0);
	close(fd);

	/* A character device: ENOTDIR. */
	ASSERT_OK(fd = open("/dev/null", O_RDONLY));
	CHECK_ERRNO(RAW(SYS_getdents64, fd, buf, sizeof(buf)), -1, ENOTDIR);
	close(fd);

	/* A pipe: ENOTDIR. */
	ASSERT_OK(pipe(p));
	CHECK_ERRNO(RAW(SYS_getdents64, p[0], buf, sizeof(buf)), -1, ENOTDIR);
	CHECK_ERRNO(RAW(SYS_getdents64, p[1], buf, sizeof(buf)), -1, ENOTDIR);
	close(p[0]);
	close(p[1]);

	/* An O_PATH fd of a directory cannot be listed: EBADF. */
	ASSERT_OK(fd = open("/usr", O_PATH | O_DIRECTORY));
	CHECK_ERRNO(RAW(SYS_getdents64, fd, buf, sizeof(buf)), -1, EBADF);
	close(fd);

	/* A closed or bad fd: EBADF. */
	CHECK_ERRNO(RAW(SYS_getdents64, fd, buf, sizeof(buf)), -1, EBADF);
	CHECK_ERRNO(RAW(SYS_getdents64, -1, buf, sizeof(buf)), -1, EBADF);

	/* A real directory works, for contrast: a positive count. */
	ASSERT_OK(fd = open("/usr", O_RDONLY | O_DIRECTORY));
	CHECK_GT(RAW(SYS_getdents64, fd, buf, sizeof(buf)), 0);
	/* The old getdents also works on a directory. */
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_GT(RAW(SYS_getdents, fd, buf, sizeof(buf)), 0);
	close(fd);
	return test_done();
}
