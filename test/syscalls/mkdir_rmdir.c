//go:build ignore

/* mkdir, mkdirat, rmdir and unlinkat(AT_REMOVEDIR). */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	struct stat st, pst;
	setup_dir();
	umask(022);

	CHECK_OK(stat(".", &pst));
	nlink_t n0 = pst.st_nlink;
	CHECK_EQ(mkdir("d", 0777), 0);
	CHECK_OK(stat("d", &st));
	CHECK_EQ(st.st_mode, S_IFDIR | 0755);
	CHECK_EQ(st.st_nlink, 2);
	CHECK_OK(stat(".", &pst));
	CHECK_EQ(pst.st_nlink, n0 + 1);
	/* The sticky bit is kept, other bits go through the umask. */
	CHECK_EQ(mkdir("s", 01777), 0);
	CHECK_OK(stat("s", &st));
	CHECK_EQ(st.st_mode & 07777, 01755);

	/* Errors. */
	CHECK_ERRNO(mkdir("d", 0755), -1, EEXIST);
	CHECK_ERRNO(mkdir("d/", 0755), -1, EEXIST);
	CHECK_ERRNO(mkdir(".", 0755), -1, EEXIST);
	CHECK_ERRNO(mkdir("..", 0755), -1, EEXIST);
	CHECK_ERRNO(mkdir("nope/x", 0755), -1, ENOENT);
	CHECK_ERRNO(mkdir("", 0755), -1, ENOENT);
	int fd;
	ASSERT_OK(fd = open("f", O_CREAT | O_WRONLY, 0644));
	close(fd);
	CHECK_ERRNO(mkdir("f/x", 0755), -1, ENOTDIR);
	CHECK_ERRNO(mkdir("f", 0755), -1, EEXIST);
	/* A trailing slash is fine on mkdir. */
	CHECK_EQ(mkdir("t/", 0755), 0);
	CHECK_OK(stat("t", &st));

	/* mkdirat relative to a directory fd. */
	int dfd;
	ASSERT_OK(dfd = open("d", O_RDONLY | O_DIRECTORY));
	CHECK_EQ(mkdirat(dfd, "sub", 0700), 0);
	CHECK_OK(stat("d/sub", &st));
	CHECK_EQ(st.st_mode, S_IFDIR | 0700);
	CHECK_OK(fstat(dfd, &st));
	CHECK_EQ(st.st_nlink, 3);
	CHECK_ERRNO(mkdirat(999, "x", 0700), -1, EBADF);
	int ffd;
	ASSERT_OK(ffd = open("f", O_RDONLY));
	CHECK_ERRNO(mkdirat(ffd, "x", 0700), -1, ENOTDIR);
	close(ffd);

	/* rmdir: not empty, not a directory, ".", "..", missing. */
	CHECK_ERRNO(rmdir("d"), -1, ENOTEMPTY);
	CHECK_ERRNO(rmdir("f"), -1, ENOTDIR);
	CHECK_ERRNO(rmdir("."), -1, EINVAL);
	CHECK_ERRNO(rmdir("d/.."), -1, ENOTEMPTY);
	CHECK_ERRNO(rmdir("missing"), -1, ENOENT);
	CHECK_ERRNO(unlinkat(dfd, "sub", 0), -1, EISDIR);
	CHECK_ERRNO(unlinkat(dfd, "sub", 0x1234), -1, EINVAL);
	CHECK_EQ(unlinkat(dfd, "sub", AT_REMOVEDIR), 0);
	CHECK_ERRNO(fstatat(dfd, "sub", &st, 0), -1, ENOENT);
	CHECK_OK(fstat(dfd, &st));
	CHECK_EQ(st.st_nlink, 2);
	CHECK_EQ(rmdir("d/"), 0);
	CHECK_ERRNO(stat("d", &st), -1, ENOENT);
	/* The open directory is now empty and unlinked: nothing can be
	 * created in it. */
	CHECK_OK(fstat(dfd, &st));
	CHECK_EQ(st.st_nlink, 0);
	CHECK_ERRNO(mkdirat(dfd, "x", 0700), -1, ENOENT);
	CHECK_ERRNO(openat(dfd, "y", O_CREAT | O_WRONLY, 0600), -1, ENOENT);
	close(dfd);
	CHECK_OK(stat(".", &pst));
	CHECK_EQ(pst.st_nlink, n0 + 2); /* s and t */

	/* A deep tree, removed bottom up. */
	CHECK_EQ(mkdir("a", 0755), 0);
	CHECK_EQ(mkdir("a/b", 0755), 0);
	CHECK_EQ(mkdir("a/b/c", 0755), 0);
	CHECK_ERRNO(rmdir("a/b"), -1, ENOTEMPTY);
	CHECK_EQ(rmdir("a/b/c"), 0);
	CHECK_EQ(rmdir("a/b"), 0);
	CHECK_EQ(rmdir("a"), 0);

	/* rmdir of the cwd works; getcwd then fails. */
	CHECK_EQ(mkdir("gone", 0755), 0);
	CHECK_EQ(chdir("gone"), 0);
	CHECK_EQ(rmdir("../gone"), 0);
	char buf[256];
	CHECK(getcwd(buf, sizeof(buf)) == NULL && errno == ENOENT);
	CHECK_ERRNO(mkdir("x", 0755), -1, ENOENT);

	cleanup_dir();
	return test_done();
}
