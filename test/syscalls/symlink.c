//go:build ignore

/* symlink, symlinkat, readlink and following links. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	struct stat st;
	char buf[512];
	int fd;
	setup_dir();
	ASSERT_OK(mkdir("dir", 0755));
	ASSERT_OK(fd = open("dir/file", O_CREAT | O_WRONLY, 0644));
	CHECK_EQ(write(fd, "hi", 2), 2);
	close(fd);

	CHECK_EQ(symlink("dir/file", "l"), 0);
	CHECK_OK(lstat("l", &st));
	CHECK_EQ(S_ISLNK(st.st_mode), 1);
	CHECK_EQ(st.st_mode & 0777, 0777);
	CHECK_EQ(st.st_size, 8);
	CHECK_EQ(readlink("l", buf, sizeof(buf)), 8);
	CHECK_MEMEQ(buf, "dir/file", 8);
	/* readlink truncates silently. */
	CHECK_EQ(readlink("l", buf, 3), 3);
	CHECK_MEMEQ(buf, "dir", 3);
	CHECK_OK(stat("l", &st));
	CHECK_EQ(S_ISREG(st.st_mode), 1);
	CHECK_EQ(st.st_size, 2);
	/* readlink on a non-link. */
	CHECK_ERRNO(readlink("dir/file", buf, sizeof(buf)), -1, EINVAL);

	/* Relative targets resolve from the link's directory. */
	CHECK_EQ(symlink("file", "dir/rel"), 0);
	CHECK_OK(stat("dir/rel", &st));
	CHECK_EQ(st.st_size, 2);
	CHECK_EQ(symlink("../dir", "dir/up"), 0);
	CHECK_OK(stat("dir/up/up/up/file", &st));
	/* Absolute targets, and links to directories in the middle of
	 * paths. */
	char abs[128];
	snprintf(abs, sizeof(abs), "%s/dir", tdir);
	CHECK_EQ(symlink(abs, "absdir"), 0);
	CHECK_OK(stat("absdir/file", &st));
	CHECK_OK(stat("absdir/", &st));
	CHECK_EQ(S_ISDIR(st.st_mode), 1);
	CHECK_ERRNO(stat("l/", &st), -1, ENOTDIR);

	/* Dangling links and loops. */
	CHECK_EQ(symlink("nowhere", "dangling"), 0);
	CHECK_ERRNO(stat("dangling", &st), -1, ENOENT);
	CHECK_OK(lstat("dangling", &st));
	CHECK_EQ(symlink("loop2", "loop1"), 0);
	CHECK_EQ(symlink("loop1", "loop2"), 0);
	CHECK_ERRNO(stat("loop1", &st), -1, ELOOP);
	CHECK_ERRNO(open("loop1", O_RDONLY), -1, ELOOP);
	/* A chain of 40 links resolves; 41 do not. */
	char from[32], to[32];
	CHECK_EQ(symlink("dir/file", "c0"), 0);
	for (int i = 1; i <= 41; i++) {
		snprintf(from, sizeof(from), "c%d", i - 1);
		snprintf(to, sizeof(to), "c%d", i);
		CHECK_EQ(symlink(from, to), 0);
	}
	CHECK_OK(stat("c39", &st));
	CHECK_ERRNO(stat("c41", &st), -1, ELOOP);

	/* Errors creating links. */
	CHECK_ERRNO(symlink("x", "l"), -1, EEXIST);
	CHECK_ERRNO(symlink("x", "dir"), -1, EEXIST);
	CHECK_ERRNO(symlink("", "empty"), -1, ENOENT);
	CHECK_ERRNO(symlink("x", "nodir/y"), -1, ENOENT);
	CHECK_ERRNO(symlink("x", "newname/"), -1, ENOENT);
	/* symlinkat relative to a directory fd. */
	int dfd;
	ASSERT_OK(dfd = open("dir", O_RDONLY | O_DIRECTORY));
	CHECK_EQ(symlinkat("file", dfd, "at"), 0);
	CHECK_EQ(readlinkat(dfd, "at", buf, sizeof(buf)), 4);
	close(dfd);
	/* A link's target is not resolved at creation, nor limited to
	 * existing names; it is kept byte for byte. */
	CHECK_EQ(symlink("a//b/../c/", "odd"), 0);
	CHECK_EQ(readlink("odd", buf, sizeof(buf)), 10);
	CHECK_MEMEQ(buf, "a//b/../c/", 10);

	/* O_NOFOLLOW|O_PATH opens the link itself. */
	ASSERT_OK(fd = open("l", O_PATH | O_NOFOLLOW));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(S_ISLNK(st.st_mode), 1);
	CHECK_EQ(readlinkat(fd, "", buf, sizeof(buf)), 8);
	close(fd);

	cleanup_dir();
	return test_done();
}
