//go:build ignore

/* rename corner cases: over non-empty and empty directories, file over directory and back, into its own subtree, to itself, between hard links of one inode, and the dot names. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	struct stat st, st2;
	int fd;
	setup_dir();
	ASSERT_OK(mkdir("a", 0755));
	ASSERT_OK(mkdir("b", 0755));
	ASSERT_OK(mkdir("a/sub", 0755));
	ASSERT_OK(fd = open("b/x", O_CREAT | O_WRONLY, 0644));
	close(fd);
	ASSERT_OK(fd = open("f", O_CREAT | O_WRONLY, 0644));
	close(fd);

	/* A directory over a non-empty directory: ENOTEMPTY (or EEXIST). */
	CHECK_ERRNO(rename("a", "b"), -1, ENOTEMPTY);
	/* Over an empty one: replaced. */
	ASSERT_OK(mkdir("empty", 0755));
	CHECK_OK(rename("a", "empty"));
	CHECK_ERRNO(stat("a", &st), -1, ENOENT);
	CHECK_OK(stat("empty/sub", &st));
	/* File over directory: EISDIR; directory over file: ENOTDIR. */
	CHECK_ERRNO(rename("f", "b"), -1, EISDIR);
	CHECK_ERRNO(rename("b", "f"), -1, ENOTDIR);
	/* Into its own subtree: EINVAL; the reverse is ENOTEMPTY. */
	CHECK_ERRNO(rename("empty", "empty/sub/deeper"), -1, EINVAL);
	CHECK_ERRNO(rename("empty", "empty/new"), -1, EINVAL);
	CHECK_ERRNO(rename("empty/sub", "empty"), -1, ENOTEMPTY);
	/* To itself: nothing happens. */
	ASSERT_OK(stat("f", &st));
	CHECK_OK(rename("f", "f"));
	CHECK_OK(rename("b", "b"));
	CHECK_OK(rename("b", "./b/../b"));
	CHECK_OK(stat("f", &st2));
	CHECK_EQ(st2.st_ino, st.st_ino);
	/* Two hard links of one inode: rename is a no-op, both stay. */
	ASSERT_OK(link("f", "g"));
	CHECK_OK(rename("f", "g"));
	CHECK_OK(stat("f", &st));
	CHECK_OK(stat("g", &st2));
	CHECK_EQ(st.st_nlink, 2);
	CHECK_EQ(st.st_ino, st2.st_ino);
	/* Dot names: EBUSY for the source, EINVAL/EBUSY for the target. */
	CHECK_ERRNO(rename(".", "z"), -1, EBUSY);
	CHECK_ERRNO(rename("..", "z"), -1, EBUSY);
	CHECK_ERRNO(rename("b/.", "z"), -1, EBUSY);
	CHECK_ERRNO(rename("f", "."), -1, EBUSY);
	CHECK_ERRNO(rename("f", "b/.."), -1, EBUSY);
	/* A missing source: ENOENT, even when the target exists. */
	CHECK_ERRNO(rename("nope", "f"), -1, ENOENT);
	/* A symlink renames as itself, not its target. */
	ASSERT_OK(symlink("b", "lb"));
	CHECK_OK(rename("lb", "lb2"));
	CHECK_OK(lstat("lb2", &st));
	CHECK_EQ(S_ISLNK(st.st_mode), 1);
	CHECK_OK(stat("b/x", &st));
	/* A symlink over a directory: EISDIR. */
	CHECK_ERRNO(rename("lb2", "b"), -1, EISDIR);
	/* The replaced file stays readable through an open fd. */
	ASSERT_OK(fd = open("b/x", O_RDWR));
	CHECK_EQ(write(fd, "old", 3), 3);
	int fd2;
	ASSERT_OK(fd2 = open("new", O_CREAT | O_WRONLY, 0644));
	close(fd2);
	CHECK_OK(rename("new", "b/x"));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_nlink, 0);
	char buf[4];
	CHECK_EQ(pread(fd, buf, 3, 0), 3);
	CHECK_MEMEQ(buf, "old", 3);
	close(fd);
	cleanup_dir();
	return test_done();
}
