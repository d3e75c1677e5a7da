//go:build ignore

/*
 * readahead(2): advice for a regular file open for reading; EBADF for a
 * file not open for reading or no file, EINVAL for a pipe or a directory.
 */
#include "testutil.h"
#include <fcntl.h>

int main(void)
{
	char path[] = "/tmp/readaheadXXXXXX";
	int fd = mkstemp(path);
	ASSERT_GE(fd, 0);
	CHECK_EQ(write(fd, "data", 4), 4);
	CHECK_OK(readahead(fd, 0, 4096));
	CHECK_OK(readahead(fd, 1 << 20, 1 << 20));
	int wo = open(path, O_WRONLY);
	ASSERT_GE(wo, 0);
	CHECK_ERRNO(readahead(wo, 0, 4096), -1, EBADF);
	CHECK_ERRNO(readahead(-1, 0, 4096), -1, EBADF);
	int p[2];
	ASSERT_OK(pipe(p));
	CHECK_ERRNO(readahead(p[0], 0, 4096), -1, EINVAL);
	int dir = open("/tmp", O_RDONLY | O_DIRECTORY);
	ASSERT_GE(dir, 0);
	CHECK_ERRNO(readahead(dir, 0, 4096), -1, EINVAL);
	/* The file still reads as written. */
	char b[4];
	CHECK_EQ(pread(fd, b, 4, 0), 4);
	CHECK_MEMEQ(b, "data", 4);
	unlink(path);
	return test_done();
}
