//go:build ignore

/* statx of files this test makes: sizes, modes, links, owners. */
#include "testutil.h"
#include <sys/sysmacros.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	struct statx sx;
	struct stat st;
	int fd;
	setup_dir();
	umask(022);
	ASSERT_OK(fd = open("f", O_CREAT | O_RDWR, 0640));
	CHECK_EQ(write(fd, "12345", 5), 5);
	CHECK_OK(statx(AT_FDCWD, "f", 0, STATX_BASIC_STATS, &sx));
	CHECK_EQ(sx.stx_mask & STATX_BASIC_STATS, STATX_BASIC_STATS);
	CHECK_EQ(sx.stx_size, 5);
	CHECK_EQ(sx.stx_mode, S_IFREG | 0640);
	CHECK_EQ(sx.stx_nlink, 1);
	CHECK_EQ(sx.stx_uid, geteuid());
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(sx.stx_ino, st.st_ino);
	CHECK_EQ(sx.stx_dev_major, major(st.st_dev));
	CHECK_EQ(sx.stx_dev_minor, minor(st.st_dev));
	CHECK_EQ(sx.stx_mtime.tv_sec, st.st_mtim.tv_sec);
	CHECK_EQ(sx.stx_mtime.tv_nsec, st.st_mtim.tv_nsec);
	/* AT_EMPTY_PATH on the fd. */
	CHECK_OK(statx(fd, "", AT_EMPTY_PATH, STATX_SIZE, &sx));
	CHECK_EQ(sx.stx_size, 5);
	/* Symlinks with and without following. */
	ASSERT_OK(symlink("f", "l"));
	CHECK_OK(statx(AT_FDCWD, "l", AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &sx));
	CHECK_EQ(sx.stx_mode & S_IFMT, S_IFLNK);
	CHECK_EQ(sx.stx_size, 1);
	CHECK_OK(statx(AT_FDCWD, "l", 0, STATX_BASIC_STATS, &sx));
	CHECK_EQ(sx.stx_mode & S_IFMT, S_IFREG);
	/* A directory's link count. */
	ASSERT_OK(mkdir("d", 0755));
	ASSERT_OK(mkdir("d/e", 0755));
	CHECK_OK(statx(AT_FDCWD, "d", 0, STATX_NLINK, &sx));
	CHECK_EQ(sx.stx_nlink, 3);
	CHECK_ERRNO(statx(AT_FDCWD, "nope", 0, STATX_BASIC_STATS, &sx), -1, ENOENT);
	close(fd);
	cleanup_dir();
	return test_done();
}
