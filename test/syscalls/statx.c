//go:build ignore

/* statx: basic fields agree with stat; flags, masks and errors. */
#include "testutil.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

static long sys_statx(int dfd, const char *path, int flags, unsigned mask, struct statx *sx)
{
	return RAW(SYS_statx, dfd, path, flags, mask, sx);
}

static void compare(const char *what, const struct statx *x, const struct stat *s)
{
	if ((x->stx_mask & STATX_BASIC_STATS) != STATX_BASIC_STATS)
		FAIL("%s: stx_mask 0x%x lacks basic stats", what, x->stx_mask);
#define F(xf, sf)                                                             \
	if ((long long)x->xf != (long long)s->sf)                             \
		FAIL("%s: " #xf " = %lld, stat " #sf " = %lld", what,         \
		     (long long)x->xf, (long long)s->sf);
	F(stx_ino, st_ino) F(stx_mode, st_mode) F(stx_nlink, st_nlink)
	F(stx_uid, st_uid) F(stx_gid, st_gid) F(stx_size, st_size)
	F(stx_blocks, st_blocks) F(stx_blksize, st_blksize)
	F(stx_mtime.tv_sec, st_mtim.tv_sec) F(stx_mtime.tv_nsec, st_mtim.tv_nsec)
	F(stx_ctime.tv_sec, st_ctim.tv_sec) F(stx_ctime.tv_nsec, st_ctim.tv_nsec)
#undef F
	if (makedev(x->stx_dev_major, x->stx_dev_minor) != s->st_dev)
		FAIL("%s: stx_dev %u:%u, st_dev %u:%u", what, x->stx_dev_major,
		     x->stx_dev_minor, major(s->st_dev), minor(s->st_dev));
	if (makedev(x->stx_rdev_major, x->stx_rdev_minor) != s->st_rdev)
		FAIL("%s: stx_rdev %u:%u, st_rdev %u:%u", what, x->stx_rdev_major,
		     x->stx_rdev_minor, major(s->st_rdev), minor(s->st_rdev));
}

int main(void)
{
	struct statx x;
	struct stat s;
	int fd;

	/* Regular file. */
	memset(&x, 0xa5, sizeof(x));
	CHECK_EQ(sys_statx(AT_FDCWD, "/etc/passwd", 0, STATX_BASIC_STATS, &x), 0);
	CHECK_EQ(stat("/etc/passwd", &s), 0);
	compare("/etc/passwd", &x, &s);
	CHECK(S_ISREG(x.stx_mode));
	/* Reserved and spare fields are zeroed. */
	CHECK_EQ(x.__spare0[0], 0);

	/* By fd with AT_EMPTY_PATH. */
	ASSERT_OK(fd = open("/etc/passwd", O_RDONLY));
	memset(&x, 0, sizeof(x));
	CHECK_EQ(sys_statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &x), 0);
	compare("fd /etc/passwd", &x, &s);
	/* Relative to a dirfd. */
	int dfd;
	ASSERT_OK(dfd = open("/etc", O_RDONLY | O_DIRECTORY));
	CHECK_EQ(sys_statx(dfd, "passwd", 0, STATX_BASIC_STATS, &x), 0);
	compare("dirfd passwd", &x, &s);

	/* A directory and a device. */
	CHECK_EQ(sys_statx(AT_FDCWD, "/usr", 0, STATX_BASIC_STATS, &x), 0);
	CHECK_EQ(stat("/usr", &s), 0);
	compare("/usr", &x, &s);
	CHECK(S_ISDIR(x.stx_mode));
	CHECK_EQ(sys_statx(AT_FDCWD, "/dev/null", 0, STATX_BASIC_STATS, &x), 0);
	CHECK_EQ(stat("/dev/null", &s), 0);
	compare("/dev/null", &x, &s);
	CHECK_EQ(x.stx_rdev_major, 1);
	CHECK_EQ(x.stx_rdev_minor, 3);

	/* Symlink: followed by default, not with AT_SYMLINK_NOFOLLOW. */
	CHECK_EQ(sys_statx(AT_FDCWD, "/bin/sh", AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &x), 0);
	CHECK_EQ(lstat("/bin/sh", &s), 0);
	compare("lstat /bin/sh", &x, &s);
	CHECK_EQ(sys_statx(AT_FDCWD, "/bin/sh", 0, STATX_BASIC_STATS, &x), 0);
	CHECK_EQ(stat("/bin/sh", &s), 0);
	compare("stat /bin/sh", &x, &s);
	CHECK(S_ISREG(x.stx_mode));
	CHECK(x.stx_mode & 0111);

	/* A mask of 0 still succeeds. AT_STATX_SYNC types are accepted. */
	CHECK_EQ(sys_statx(AT_FDCWD, "/etc/passwd", 0, 0, &x), 0);
	CHECK_EQ(sys_statx(AT_FDCWD, "/etc/passwd", AT_STATX_FORCE_SYNC, STATX_BASIC_STATS, &x), 0);
	CHECK_EQ(sys_statx(AT_FDCWD, "/etc/passwd", AT_STATX_DONT_SYNC, STATX_BASIC_STATS, &x), 0);

	/* Errors. */
	CHECK_ERRNO(sys_statx(AT_FDCWD, "/etc/passwd", 0, STATX__RESERVED, &x), -1, EINVAL);
	CHECK_ERRNO(sys_statx(AT_FDCWD, "/etc/passwd", 0x1, STATX_BASIC_STATS, &x), -1, EINVAL);
	CHECK_ERRNO(sys_statx(AT_FDCWD, "/etc/passwd",
			      AT_STATX_FORCE_SYNC | AT_STATX_DONT_SYNC, STATX_BASIC_STATS, &x),
		    -1, EINVAL);
	CHECK_ERRNO(sys_statx(AT_FDCWD, "/no-such-moat", 0, STATX_BASIC_STATS, &x), -1, ENOENT);
	CHECK_ERRNO(sys_statx(AT_FDCWD, "", 0, STATX_BASIC_STATS, &x), -1, ENOENT);
	CHECK_ERRNO(sys_statx(AT_FDCWD, "/etc/passwd/", 0, STATX_BASIC_STATS, &x), -1, ENOTDIR);
	CHECK_ERRNO(sys_statx(-1, "passwd", 0, STATX_BASIC_STATS, &x), -1, EBADF);
	CHECK_ERRNO(sys_statx(fd, "passwd", 0, STATX_BASIC_STATS, &x), -1, ENOTDIR);
	CHECK_ERRNO(sys_statx(AT_FDCWD, "/etc/passwd", 0, STATX_BASIC_STATS, (void *)8), -1, EFAULT);
	close(fd);
	close(dfd);
	return test_done();
}
