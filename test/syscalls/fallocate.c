//go:build ignore

/* fallocate: allocation, KEEP_SIZE, PUNCH_HOLE, errors. */
#include "testutil.h"
#include <linux/falloc.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	struct stat st;
	char buf[16384];
	int fd;
	setup_dir();
	ASSERT_OK(fd = open("f", O_CREAT | O_RDWR, 0644));

	CHECK_EQ(fallocate(fd, 0, 0, 10000), 0);
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 10000);
	CHECK_GE(st.st_blocks * 512, 10000);
	CHECK_EQ(pread(fd, buf, sizeof(buf), 0), 10000);
	/* KEEP_SIZE allocates without growing. */
	CHECK_EQ(fallocate(fd, FALLOC_FL_KEEP_SIZE, 10000, 20000), 0);
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 10000);
	/* Allocating inside the file changes nothing. */
	memset(buf, 'x', sizeof(buf));
	CHECK_EQ(pwrite(fd, buf, 10000, 0), 10000);
	CHECK_EQ(fallocate(fd, 0, 100, 100), 0);
	CHECK_EQ(pread(fd, buf, 10000, 0), 10000);
	CHECK_EQ(buf[150], 'x');
	/* PUNCH_HOLE zeroes a range and keeps the size. */
	CHECK_EQ(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 4096, 4096), 0);
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 10000);
	CHECK_EQ(pread(fd, buf, 10000, 0), 10000);
	CHECK_EQ(buf[4095], 'x');
	CHECK_EQ(buf[4096], 0);
	CHECK_EQ(buf[8191], 0);
	CHECK_EQ(buf[8192], 'x');
	/* An unaligned punch zeroes exactly its bytes. */
	CHECK_EQ(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 10, 5), 0);
	CHECK_EQ(pread(fd, buf, 20, 0), 20);
	CHECK_EQ(buf[9], 'x');
	CHECK_EQ(buf[10], 0);
	CHECK_EQ(buf[14], 0);
	CHECK_EQ(buf[15], 'x');

	/* Errors. */
	CHECK_ERRNO(fallocate(fd, 0, -1, 10), -1, EINVAL);
	CHECK_ERRNO(fallocate(fd, 0, 0, 0), -1, EINVAL);
	CHECK_ERRNO(fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 10), -1, EOPNOTSUPP);
	CHECK_ERRNO(fallocate(999, 0, 0, 10), -1, EBADF);
	int ro;
	ASSERT_OK(ro = open("f", O_RDONLY));
	CHECK_ERRNO(fallocate(ro, 0, 0, 10), -1, EBADF);
	close(ro);
	int p[2];
	ASSERT_OK(pipe(p));
	CHECK_ERRNO(fallocate(p[1], 0, 0, 10), -1, ESPIPE);
	close(p[0]);
	close(p[1]);
	close(fd);

	cleanup_dir();
	return test_done();
}
