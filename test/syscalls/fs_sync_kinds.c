//go:build ignore

/* fsync, fdatasync, sync_file_range and syncfs on the kinds of
 * descriptors: directories and O_PATH, read-only files, pipes and sockets
 * (EINVAL), bad ranges and flags. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sys/socket.h>

int main(void)
{
	int fd, dfd, pfd, ro, p[2], sv[2];
	setup_dir();
	ASSERT_OK(fd = open("f", O_CREAT | O_RDWR, 0644));
	ASSERT_EQ(write(fd, "data", 4), 4);
	ASSERT_OK(dfd = open(".", O_RDONLY | O_DIRECTORY));
	ASSERT_OK(pfd = open("f", O_PATH));
	ASSERT_OK(ro = open("f", O_RDONLY));
	ASSERT_OK(pipe(p));
	ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	/* Files and directories, even opened read-only. */
	CHECK_OK(fsync(fd));
	CHECK_OK(fdatasync(fd));
	CHECK_OK(fsync(dfd));
	CHECK_OK(fdatasync(dfd));
	CHECK_OK(fsync(ro));
	CHECK_OK(syncfs(dfd));
	CHECK_OK(syncfs(ro));
	/* O_PATH descriptors are not open for anything: EBADF. */
	CHECK_ERRNO(fsync(pfd), -1, EBADF);
	CHECK_ERRNO(fdatasync(pfd), -1, EBADF);
	CHECK_ERRNO(syncfs(pfd), -1, EBADF);
	/* Pipes and sockets cannot be synced. */
	CHECK_ERRNO(fsync(p[0]), -1, EINVAL);
	CHECK_ERRNO(fdatasync(p[1]), -1, EINVAL);
	CHECK_ERRNO(fsync(sv[0]), -1, EINVAL);
	CHECK_ERRNO(fsync(999), -1, EBADF);
	/* sync_file_range: flags and ranges. */
	CHECK_OK(sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE));
	CHECK_OK(sync_file_range(fd, 0, 4, SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER));
	CHECK_OK(sync_file_range(fd, 100, 100, 0));
	CHECK_OK(sync_file_range(ro, 0, 0, SYNC_FILE_RANGE_WRITE));
	CHECK_ERRNO(sync_file_range(fd, 0, 0, 8), -1, EINVAL);
	CHECK_ERRNO(sync_file_range(fd, -1, 0, 0), -1, EINVAL);
	CHECK_ERRNO(sync_file_range(fd, 0, -1, 0), -1, EINVAL);
	CHECK_ERRNO(sync_file_range(fd, 0x7fffffffffffffffLL, 2, 0), -1, EINVAL);
	CHECK_ERRNO(sync_file_range(p[0], 0, 0, 0), -1, ESPIPE);
	CHECK_ERRNO(sync_file_range(999, 0, 0, 0), -1, EBADF);
	CHECK_ERRNO(sync_file_range(pfd, 0, 0, 0), -1, EBADF);
	/* A directory: sync_file_range accepts it as well. */
	CHECK_OK(sync_file_range(dfd, 0, 0, 0));
	close(fd);
	close(dfd);
	close(pfd);
	close(ro);
	cleanup_dir();
	return test_done();
}
