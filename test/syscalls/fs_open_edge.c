//go:build ignore

/* open(2) flag corners: O_APPEND with pwrite, O_TRUNC with O_RDONLY, O_EXCL without O_CREAT, O_DIRECTORY and O_NOFOLLOW, O_CREAT|O_DIRECTORY. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sys/uio.h>
#ifndef RWF_NOAPPEND
#define RWF_NOAPPEND 0x20
#endif

int main(void)
{
	struct stat st;
	char buf[32];
	int fd;
	setup_dir();
	ASSERT_OK(fd = open("f", O_CREAT | O_WRONLY | O_APPEND, 0644));
	CHECK_EQ(write(fd, "abc", 3), 3);
	/* On Linux pwrite to an O_APPEND file appends, whatever the offset,
	 * and leaves the file offset alone. */
	CHECK_EQ(pwrite(fd, "XY", 2, 0), 2);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 3);
	CHECK_EQ(pwrite(fd, "Z", 1, 100), 1);
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 6);
	/* lseek does not matter to a write either. */
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(write(fd, "w", 1), 1);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 7);
	close(fd);
	ASSERT_OK(fd = open("f", O_RDONLY));
	CHECK_EQ(read(fd, buf, sizeof(buf)), 7);
	CHECK_MEMEQ(buf, "abcXYZw", 7);
	close(fd);
	/* pwritev2 with RWF_NOAPPEND writes where it is told. */
	ASSERT_OK(fd = open("f", O_WRONLY | O_APPEND));
	struct iovec iov = {.iov_base = "Q", .iov_len = 1};
	CHECK_EQ(pwritev2(fd, &iov, 1, 0, RWF_NOAPPEND), 1);
	/* Clearing O_APPEND with fcntl lets pwrite write in place. */
	CHECK_OK(fcntl(fd, F_SETFL, 0));
	CHECK_EQ(pwrite(fd, "R", 1, 1), 1);
	close(fd);
	ASSERT_OK(fd = open("f", O_RDONLY));
	CHECK_EQ(read(fd, buf, sizeof(buf)), 7);
	CHECK_MEMEQ(buf, "QRcXYZw", 7);
	close(fd);

	/* O_TRUNC with O_RDONLY truncates on Linux (write permission needed). */
	ASSERT_OK(fd = open("f", O_RDONLY | O_TRUNC));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 0);
	CHECK_ERRNO(write(fd, "x", 1), -1, EBADF);
	close(fd);
	/* O_TRUNC on a FIFO or a directory does nothing or fails. */
	ASSERT_OK(mkdir("d", 0755));
	CHECK_ERRNO(open("d", O_RDONLY | O_TRUNC), -1, EISDIR);

	/* O_EXCL without O_CREAT is ignored for regular files. */
	ASSERT_OK(fd = open("f", O_RDONLY | O_EXCL));
	close(fd);
	/* O_CREAT|O_EXCL on a dangling symlink: EEXIST, not created. */
	ASSERT_OK(symlink("nowhere", "dangle"));
	CHECK_ERRNO(open("dangle", O_CREAT | O_EXCL | O_WRONLY, 0644), -1, EEXIST);
	CHECK_ERRNO(stat("nowhere", &st), -1, ENOENT);
	/* Without O_EXCL, O_CREAT creates the symlink's target. */
	ASSERT_OK(fd = open("dangle", O_CREAT | O_WRONLY, 0600));
	close(fd);
	CHECK_OK(lstat("nowhere", &st));
	CHECK_EQ(S_ISREG(st.st_mode), 1);

	/* O_DIRECTORY on a file: ENOTDIR; on a symlink to a directory, it
	 * is followed. */
	CHECK_ERRNO(open("f", O_RDONLY | O_DIRECTORY), -1, ENOTDIR);
	ASSERT_OK(symlink("d", "dl"));
	ASSERT_OK(fd = open("dl", O_RDONLY | O_DIRECTORY));
	close(fd);
	/* O_NOFOLLOW on a final symlink: ELOOP; symlinks before it are
	 * followed; with O_PATH the link itself is opened. */
	CHECK_ERRNO(open("dl", O_RDONLY | O_NOFOLLOW), -1, ELOOP);
	CHECK_ERRNO(open("dl", O_RDONLY | O_NOFOLLOW | O_DIRECTORY), -1, ENOTDIR);
	ASSERT_OK(fd = open("d/g", O_CREAT | O_WRONLY, 0644));
	close(fd);
	ASSERT_OK(fd = open("dl/g", O_RDONLY | O_NOFOLLOW));
	close(fd);
	ASSERT_OK(fd = open("dl", O_PATH | O_NOFOLLOW));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(S_ISLNK(st.st_mode), 1);
	close(fd);
	/* O_CREAT|O_DIRECTORY is refused outright (Linux 6.4 on). */
	CHECK_ERRNO(open("newdir", O_CREAT | O_DIRECTORY | O_RDONLY, 0755), -1, EINVAL);
	CHECK_ERRNO(lstat("newdir", &st), -1, ENOENT);
	/* O_WRONLY|O_RDWR together is not a mode: EINVAL on a file?
	 * Linux treats access mode 3 as "no access": read and write fail. */
	ASSERT_OK(fd = open("f", 3));
	CHECK_ERRNO(read(fd, buf, 1), -1, EBADF);
	CHECK_ERRNO(write(fd, buf, 1), -1, EBADF);
	close(fd);
	cleanup_dir();
	return test_done();
}
