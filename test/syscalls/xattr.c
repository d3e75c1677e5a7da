//go:build ignore

/* Extended attributes: user.* on files and directories. */
#include "testutil.h"
#include <sys/xattr.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	char buf[256];
	int fd;
	setup_dir();
	ASSERT_OK(fd = open("f", O_CREAT | O_RDWR, 0644));

	CHECK_ERRNO(getxattr("f", "user.a", buf, sizeof(buf)), -1, ENODATA);
	CHECK_EQ(setxattr("f", "user.a", "value", 5, 0), 0);
	CHECK_EQ(getxattr("f", "user.a", buf, sizeof(buf)), 5);
	CHECK_MEMEQ(buf, "value", 5);
	/* Size 0 asks for the size; too small is ERANGE. */
	CHECK_EQ(getxattr("f", "user.a", NULL, 0), 5);
	CHECK_ERRNO(getxattr("f", "user.a", buf, 2), -1, ERANGE);
	/* XATTR_CREATE and XATTR_REPLACE. */
	CHECK_ERRNO(setxattr("f", "user.a", "x", 1, XATTR_CREATE), -1, EEXIST);
	CHECK_ERRNO(setxattr("f", "user.b", "x", 1, XATTR_REPLACE), -1, ENODATA);
	CHECK_EQ(setxattr("f", "user.a", "v2", 2, XATTR_REPLACE), 0);
	CHECK_EQ(fgetxattr(fd, "user.a", buf, sizeof(buf)), 2);
	CHECK_EQ(fsetxattr(fd, "user.b", "", 0, XATTR_CREATE), 0);
	CHECK_EQ(getxattr("f", "user.b", buf, sizeof(buf)), 0);
	CHECK_ERRNO(setxattr("f", "user.c", "x", 1, 4), -1, EINVAL);

	/* listxattr lists both names (in some order). */
	ssize_t n = listxattr("f", buf, sizeof(buf));
	CHECK_EQ(n, 14);
	int a = 0, b = 0;
	for (char *p = buf; p < buf + n; p += strlen(p) + 1) {
		if (!strcmp(p, "user.a"))
			a = 1;
		if (!strcmp(p, "user.b"))
			b = 1;
	}
	CHECK(a && b);
	CHECK_EQ(flistxattr(fd, NULL, 0), 14);
	CHECK_ERRNO(listxattr("f", buf, 3), -1, ERANGE);

	/* removexattr. */
	CHECK_EQ(removexattr("f", "user.b"), 0);
	CHECK_ERRNO(removexattr("f", "user.b"), -1, ENODATA);
	CHECK_EQ(fremovexattr(fd, "user.a"), 0);
	CHECK_EQ(listxattr("f", buf, sizeof(buf)), 0);

	/* Directories take user attributes too. */
	ASSERT_OK(mkdir("d", 0755));
	CHECK_EQ(setxattr("d", "user.dir", "1", 1, 0), 0);
	CHECK_EQ(getxattr("d", "user.dir", buf, sizeof(buf)), 1);
	/* Symlinks do not: lsetxattr is EPERM; the l* calls do not follow. */
	ASSERT_OK(symlink("f", "l"));
	CHECK_ERRNO(lsetxattr("l", "user.x", "1", 1, 0), -1, EPERM);
	CHECK_EQ(setxattr("l", "user.x", "1", 1, 0), 0);
	CHECK_EQ(getxattr("f", "user.x", buf, sizeof(buf)), 1);
	CHECK_ERRNO(lgetxattr("l", "user.x", buf, sizeof(buf)), -1, ENODATA);

	/* Bad names. */
	CHECK_ERRNO(setxattr("f", "nonamespace", "1", 1, 0), -1, EOPNOTSUPP);
	CHECK_ERRNO(getxattr("f", "bogus.x", buf, sizeof(buf)), -1, EOPNOTSUPP);
	CHECK_ERRNO(setxattr("f", "", "1", 1, 0), -1, ERANGE);
	char longname[300];
	memcpy(longname, "user.", 5);
	memset(longname + 5, 'n', 260);
	longname[265] = 0;
	CHECK_ERRNO(setxattr("f", longname, "1", 1, 0), -1, ERANGE);
	CHECK_ERRNO(getxattr("nope", "user.a", buf, sizeof(buf)), -1, ENOENT);
	close(fd);

	cleanup_dir();
	return test_done();
}
