//go:build ignore

/*
 * stat, lstat, fstat and newfstatat (raw syscalls), with the fields of the
 * same file compared between them; AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH.
 */
#include "testutil.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

static void same(const char *what, const struct stat *a, const struct stat *b, int line)
{
#define F(f)                                                                     \
	if (a->f != b->f) {                                                      \
		FAIL("line %d: %s: " #f " differs: %lld vs %lld", line, what,    \
		     (long long)a->f, (long long)b->f);                          \
	}
	F(st_dev) F(st_ino) F(st_mode) F(st_nlink) F(st_uid) F(st_gid)
	F(st_rdev) F(st_size) F(st_blksize) F(st_blocks)
	F(st_mtim.tv_sec) F(st_mtim.tv_nsec) F(st_ctim.tv_sec) F(st_ctim.tv_nsec)
#undef F
}

int main(void)
{
	struct stat a, b, c, d, e;
	int fd;

	/* A regular file, five ways. */
	CHECK_EQ(RAW(SYS_stat, "/etc/passwd", &a), 0);
	CHECK_EQ(RAW(SYS_lstat, "/etc/passwd", &b), 0);
	ASSERT_OK(fd = open("/etc/passwd", O_RDONLY));
	CHECK_EQ(RAW(SYS_fstat, fd, &c), 0);
	CHECK_EQ(RAW(SYS_newfstatat, AT_FDCWD, "/etc/passwd", &d, 0), 0);
	CHECK_EQ(RAW(SYS_newfstatat, fd, "", &e, AT_EMPTY_PATH), 0);
	same("stat/lstat", &a, &b, __LINE__);
	same("stat/fstat", &a, &c, __LINE__);
	same("stat/fstatat", &a, &d, __LINE__);
	same("stat/fstatat(AT_EMPTY_PATH)", &a, &e, __LINE__);
	CHECK(S_ISREG(a.st_mode));
	CHECK_EQ(a.st_nlink, 1);
	CHECK_GT(a.st_size, 0);
	CHECK_GT(a.st_ino, 0);
	CHECK_EQ(a.st_blksize, 4096);
	/* blocks are 512-byte units covering the size (no holes here). */
	CHECK_GE(a.st_blocks * 512, a.st_size);
	CHECK_EQ(a.st_rdev, 0);
	/* /etc/passwd is world-readable, owned by root. */
	CHECK_EQ(a.st_mode & 0777, 0644);
	CHECK_EQ(a.st_uid, 0);
	CHECK_EQ(a.st_gid, 0);
	/* The size agrees with what read returns. */
	static char buf[1 << 16];
	ssize_t n = pread(fd, buf, sizeof(buf), 0);
	CHECK_EQ(n, a.st_size);

	/* Relative to a dirfd. */
	int dfd;
	ASSERT_OK(dfd = open("/etc", O_RDONLY | O_DIRECTORY));
	CHECK_EQ(RAW(SYS_newfstatat, dfd, "passwd", &d, 0), 0);
	same("fstatat(dirfd)", &a, &d, __LINE__);
	CHECK_EQ(RAW(SYS_newfstatat, dfd, "", &d, AT_EMPTY_PATH), 0);
	CHECK(S_ISDIR(d.st_mode));
	CHECK_EQ(RAW(SYS_stat, "/etc", &e), 0);
	same("fstatat(dirfd, \"\", AT_EMPTY_PATH)/stat", &d, &e, __LINE__);
	/* AT_EMPTY_PATH with AT_FDCWD stats the cwd. */
	ASSERT_OK(chdir("/etc"));
	CHECK_EQ(RAW(SYS_newfstatat, AT_FDCWD, "", &d, AT_EMPTY_PATH), 0);
	same("fstatat(AT_FDCWD, \"\", AT_EMPTY_PATH)/stat", &d, &e, __LINE__);
	CHECK_EQ(RAW(SYS_stat, "passwd", &d), 0);
	same("stat relative", &a, &d, __LINE__);
	ASSERT_OK(chdir("/"));

	/* A directory. */
	CHECK_EQ(RAW(SYS_stat, "/usr", &a), 0);
	CHECK(S_ISDIR(a.st_mode));
	CHECK_GE(a.st_nlink, 2);
	CHECK_EQ(RAW(SYS_stat, "/usr/", &b), 0);
	same("/usr and /usr/", &a, &b, __LINE__);
	CHECK_EQ(RAW(SYS_stat, "/usr/bin/..", &b), 0);
	same("/usr and /usr/bin/..", &a, &b, __LINE__);
	CHECK_EQ(RAW(SYS_stat, "/", &b), 0);
	CHECK_EQ(RAW(SYS_stat, "/..", &c), 0);
	same("/ and /..", &b, &c, __LINE__);

	/* /dev/null is a character device 1:3. */
	CHECK_EQ(RAW(SYS_stat, "/dev/null", &a), 0);
	CHECK(S_ISCHR(a.st_mode));
	CHECK_EQ(major(a.st_rdev), 1);
	CHECK_EQ(minor(a.st_rdev), 3);

	/* A pipe: S_IFIFO, size 0. */
	int p[2];
	ASSERT_OK(pipe(p));
	CHECK_EQ(RAW(SYS_fstat, p[0], &a), 0);
	CHECK(S_ISFIFO(a.st_mode));
	CHECK_EQ(RAW(SYS_fstat, p[1], &b), 0);
	CHECK_EQ(a.st_ino, b.st_ino);
	close(p[0]);
	close(p[1]);

	/* Symlinks: stat follows, lstat and AT_SYMLINK_NOFOLLOW do not. */
	const char *link = "/bin/sh";
	ASSERT_EQ(RAW(SYS_lstat, link, &a), 0);
	if (!S_ISLNK(a.st_mode)) {
		link = "/bin"; /* merged /usr */
		ASSERT_EQ(RAW(SYS_lstat, link, &a), 0);
	}
	CHECK(S_ISLNK(a.st_mode));
	char target[256];
	ssize_t tl = readlink(link, target, sizeof(target));
	CHECK_EQ(a.st_size, tl);
	CHECK_EQ(a.st_mode & 0777, 0777);
	CHECK_EQ(RAW(SYS_newfstatat, AT_FDCWD, link, &b, AT_SYMLINK_NOFOLLOW), 0);
	same("lstat/fstatat(NOFOLLOW)", &a, &b, __LINE__);
	CHECK_EQ(RAW(SYS_stat, link, &c), 0);
	CHECK(!S_ISLNK(c.st_mode));
	CHECK_NE(c.st_ino, a.st_ino);
	CHECK_EQ(RAW(SYS_newfstatat, AT_FDCWD, link, &d, 0), 0);
	same("stat/fstatat(link)", &c, &d, __LINE__);
	/* An O_PATH|O_NOFOLLOW fd of the link, with AT_EMPTY_PATH. */
	int lfd;
	ASSERT_OK(lfd = open(link, O_PATH | O_NOFOLLOW));
	CHECK_EQ(RAW(SYS_fstat, lfd, &d), 0);
	same("lstat/fstat(O_PATH link)", &a, &d, __LINE__);
	CHECK_EQ(RAW(SYS_newfstatat, lfd, "", &d, AT_EMPTY_PATH), 0);
	same("lstat/fstatat(O_PATH link, AT_EMPTY_PATH)", &a, &d, __LINE__);
	close(lfd);
	/* A trailing slash makes lstat follow a link to a directory (/bin is
	 * one on merged-/usr systems, and a directory elsewhere). */
	CHECK_EQ(RAW(SYS_lstat, "/bin/", &d), 0);
	CHECK(S_ISDIR(d.st_mode));
	CHECK_EQ(RAW(SYS_stat, "/bin", &e), 0);
	same("lstat(/bin/)/stat(/bin)", &d, &e, __LINE__);

	/* Errors. */
	CHECK_ERRNO(RAW(SYS_stat, "/no-such-moat", &a), -1, ENOENT);
	CHECK_ERRNO(RAW(SYS_lstat, "/no-such-moat/x", &a), -1, ENOENT);
	CHECK_ERRNO(RAW(SYS_stat, "", &a), -1, ENOENT);
	CHECK_ERRNO(RAW(SYS_stat, "/etc/passwd/", &a), -1, ENOTDIR);
	CHECK_ERRNO(RAW(SYS_stat, "/etc/passwd/x", &a), -1, ENOTDIR);
	CHECK_ERRNO(RAW(SYS_fstat, -1, &a), -1, EBADF);
	CHECK_ERRNO(RAW(SYS_fstat, 777, &a), -1, EBADF);
	CHECK_ERRNO(RAW(SYS_newfstatat, AT_FDCWD, "", &a, 0), -1, ENOENT);
	CHECK_ERRNO(RAW(SYS_newfstatat, -1, "passwd", &a, 0), -1, EBADF);
	CHECK_ERRNO(RAW(SYS_newfstatat, fd, "x", &a, 0), -1, ENOTDIR);
	CHECK_ERRNO(RAW(SYS_newfstatat, AT_FDCWD, "/etc/passwd", &a, 0x1), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_stat, "/etc/passwd", (void *)8), -1, EFAULT);
	CHECK_ERRNO(RAW(SYS_stat, (void *)8, &a), -1, EFAULT);
	CHECK_ERRNO(RAW(SYS_fstat, fd, (void *)8), -1, EFAULT);
	close(fd);
	close(dfd);
	return test_done();
}
