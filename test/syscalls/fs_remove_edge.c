//go:build ignore

/* unlink, rmdir and mkdir errors: unlink of a directory, rmdir of dot names, of files, of mount points; mkdir over existing names and dangling symlinks. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	struct stat st;
	int fd;
	setup_dir();
	ASSERT_OK(mkdir("d", 0755));
	ASSERT_OK(mkdir("d/e", 0755));
	ASSERT_OK(fd = open("f", O_CREAT | O_WRONLY, 0644));
	close(fd);
	ASSERT_OK(symlink("nowhere", "dangle"));
	ASSERT_OK(symlink("d", "ld"));

	CHECK_ERRNO(unlink("d"), -1, EISDIR);
	CHECK_ERRNO(unlinkat(AT_FDCWD, "d", 0), -1, EISDIR);
	CHECK_ERRNO(unlinkat(AT_FDCWD, "f", AT_REMOVEDIR), -1, ENOTDIR);
	CHECK_ERRNO(unlinkat(AT_FDCWD, "f", 0x1), -1, EINVAL);
	CHECK_ERRNO(rmdir("f"), -1, ENOTDIR);
	CHECK_ERRNO(rmdir("."), -1, EINVAL);
	CHECK_ERRNO(rmdir("d/."), -1, EINVAL);
	CHECK_ERRNO(rmdir("d/e/.."), -1, ENOTEMPTY);
	CHECK_ERRNO(rmdir(".."), -1, ENOTEMPTY);
	CHECK_ERRNO(rmdir("d"), -1, ENOTEMPTY);
	CHECK_ERRNO(rmdir("ld"), -1, ENOTDIR);
	CHECK_ERRNO(rmdir("nope"), -1, ENOENT);
	CHECK_ERRNO(rmdir("/"), -1, EBUSY);
	/* mkdir over anything that exists: EEXIST, dangling links too. */
	CHECK_ERRNO(mkdir("d", 0755), -1, EEXIST);
	CHECK_ERRNO(mkdir("f", 0755), -1, EEXIST);
	CHECK_ERRNO(mkdir("dangle", 0755), -1, EEXIST);
	CHECK_ERRNO(mkdir("ld", 0755), -1, EEXIST);
	CHECK_ERRNO(lstat("nowhere", &st), -1, ENOENT);
	CHECK_ERRNO(mkdir("nope/x", 0755), -1, ENOENT);
	CHECK_ERRNO(mkdir("f/x", 0755), -1, ENOTDIR);
	CHECK_ERRNO(mkdir("", 0755), -1, ENOENT);
	/* Unlinking a symlink removes the link, not the target. */
	CHECK_OK(unlink("ld"));
	CHECK_OK(stat("d", &st));
	/* rmdir of the cwd works; the cwd is then unreachable. */
	ASSERT_OK(chdir("d/e"));
	CHECK_OK(rmdir("../e"));
	CHECK_ERRNO(open(".", O_RDONLY | O_CREAT, 0644), -1, EISDIR);
	CHECK_ERRNO(mkdir("x", 0755), -1, ENOENT);
	CHECK_ERRNO(open("x", O_CREAT | O_WRONLY, 0644), -1, ENOENT);
	CHECK_OK(stat(".", &st));
	CHECK_EQ(st.st_nlink, 0);
	ASSERT_OK(chdir(tdir));
	/* The parent's link count dropped with the subdirectory. */
	CHECK_OK(stat("d", &st));
	CHECK_EQ(st.st_nlink, 2);
	CHECK_OK(rmdir("d"));
	cleanup_dir();
	return test_done();
}
