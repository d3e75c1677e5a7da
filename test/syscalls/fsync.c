//go:build ignore

/* fsync, fdatasync, sync, syncfs, sync_file_range. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	int fd, p[2];
	setup_dir();
	ASSERT_OK(fd = open("f", O_CREAT | O_RDWR, 0644));
	CHECK_EQ(write(fd, "x", 1), 1);
	CHECK_EQ(fsync(fd), 0);
	CHECK_EQ(fdatasync(fd), 0);
	CHECK_EQ(syncfs(fd), 0);
	CHECK_EQ(sync_file_range(fd, 0, 1, SYNC_FILE_RANGE_WRITE), 0);
	CHECK_ERRNO(sync_file_range(fd, -1, 1, 0), -1, EINVAL);
	CHECK_ERRNO(sync_file_range(fd, 0, 1, 0x100), -1, EINVAL);
	sync();
	/* Directories may be synced too. */
	int dfd;
	ASSERT_OK(dfd = open(".", O_RDONLY | O_DIRECTORY));
	CHECK_EQ(fsync(dfd), 0);
	close(dfd);
	/* A read-only descriptor may be synced. */
	int ro;
	ASSERT_OK(ro = open("f", O_RDONLY));
	CHECK_EQ(fsync(ro), 0);
	close(ro);
	/* Pipes cannot. */
	ASSERT_OK(pipe(p));
	CHECK_ERRNO(fsync(p[0]), -1, EINVAL);
	CHECK_ERRNO(fdatasync(p[1]), -1, EINVAL);
	CHECK_ERRNO(sync_file_range(p[0], 0, 1, 0), -1, ESPIPE);
	CHECK_ERRNO(fsync(999), -1, EBADF);
	CHECK_ERRNO(syncfs(999), -1, EBADF);
	/* O_PATH descriptors: EBADF. */
	int op;
	ASSERT_OK(op = open("f", O_PATH));
	CHECK_ERRNO(fsync(op), -1, EBADF);
	close(op);
	close(p[0]);
	close(p[1]);
	close(fd);
	cleanup_dir();
	return test_done();
}
