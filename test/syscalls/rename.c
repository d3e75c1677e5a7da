//go:build ignore

/* rename and renameat: files, directories, replacement rules. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

static void mkfile(const char *p, const char *data)
{
	int fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (fd < 0)
		FATAL("open %s: errno %d", p, errno);
	if (write(fd, data, strlen(data)) != (ssize_t)strlen(data))
		FATAL("write");
	close(fd);
}

static int content_is(const char *p, const char *want)
{
	char buf[64] = {0};
	int fd = open(p, O_RDONLY);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n >= 0 && strcmp(buf, want) == 0;
}

int main(void)
{
	struct stat st, st2;
	setup_dir();

	/* A file moves; its inode goes with it. */
	mkfile("a", "A");
	CHECK_OK(stat("a", &st));
	CHECK_EQ(rename("a", "b"), 0);
	CHECK_ERRNO(stat("a", &st2), -1, ENOENT);
	CHECK_OK(stat("b", &st2));
	CHECK_EQ(st2.st_ino, st.st_ino);
	CHECK(content_is("b", "A"));
	/* Replacing a file. */
	mkfile("c", "C");
	CHECK_EQ(rename("b", "c"), 0);
	CHECK(content_is("c", "A"));
	CHECK_ERRNO(stat("b", &st2), -1, ENOENT);
	/* An open file survives being replaced. */
	mkfile("d", "D");
	int fd;
	ASSERT_OK(fd = open("d", O_RDONLY));
	mkfile("e", "E");
	CHECK_EQ(rename("e", "d"), 0);
	char buf[4] = {0};
	CHECK_EQ(read(fd, buf, 3), 1);
	CHECK_STREQ(buf, "D");
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_nlink, 0);
	close(fd);
	/* Renaming a file to itself (or another link of it) does nothing. */
	CHECK_EQ(rename("d", "d"), 0);
	CHECK_OK(link("d", "d2"));
	CHECK_EQ(rename("d", "d2"), 0);
	CHECK_OK(stat("d", &st));
	CHECK_OK(stat("d2", &st));
	CHECK_EQ(st.st_nlink, 2);

	/* Directories: into another directory, over an empty one. */
	ASSERT_OK(mkdir("x", 0755));
	ASSERT_OK(mkdir("y", 0755));
	mkfile("x/f", "F");
	CHECK_EQ(rename("x", "y/x"), 0);
	CHECK(content_is("y/x/f", "F"));
	ASSERT_OK(mkdir("empty", 0755));
	CHECK_EQ(rename("y/x", "empty"), 0);
	CHECK(content_is("empty/f", "F"));
	/* Link counts follow the moves. */
	CHECK_OK(stat("y", &st));
	CHECK_EQ(st.st_nlink, 2);
	/* Over a non-empty directory: ENOTEMPTY (or EEXIST). */
	ASSERT_OK(mkdir("full", 0755));
	mkfile("full/g", "G");
	ASSERT_OK(mkdir("z", 0755));
	errno = 0;
	CHECK_EQ(rename("z", "full"), -1);
	CHECK(errno == ENOTEMPTY || errno == EEXIST);
	/* Type mismatches. */
	CHECK_ERRNO(rename("z", "c"), -1, ENOTDIR);
	CHECK_ERRNO(rename("c", "."), -1, EBUSY);
	/* Into its own subdirectory. */
	CHECK_ERRNO(rename("full", "full/sub"), -1, EINVAL);
	CHECK_ERRNO(rename("full", "full/g/sub"), -1, ENOTDIR);
	/* ".", "..", missing names. */
	CHECK_ERRNO(rename("nope", "q"), -1, ENOENT);
	CHECK_ERRNO(rename("c", "nope/q"), -1, ENOENT);
	CHECK_ERRNO(rename(".", "q"), -1, EBUSY);
	CHECK_ERRNO(rename("z/..", "q"), -1, EBUSY);
	CHECK_ERRNO(rename("c", "."), -1, EBUSY);
	/* Trailing slashes: only on directories. */
	CHECK_ERRNO(rename("c/", "q"), -1, ENOTDIR);
	CHECK_ERRNO(rename("c", "q/"), -1, ENOTDIR);
	CHECK_EQ(rename("z/", "z2/"), 0);
	CHECK_OK(stat("z2", &st));

	/* renameat with directory fds. */
	int d1, d2;
	ASSERT_OK(d1 = open("full", O_RDONLY | O_DIRECTORY));
	ASSERT_OK(d2 = open("z2", O_RDONLY | O_DIRECTORY));
	CHECK_EQ(renameat(d1, "g", d2, "h"), 0);
	CHECK(content_is("z2/h", "G"));
	CHECK_ERRNO(renameat(d1, "g", d2, "h"), -1, ENOENT);
	close(d1);
	close(d2);

	/* Symlinks move as links. */
	ASSERT_OK(symlink("c", "sl"));
	CHECK_EQ(rename("sl", "sl2"), 0);
	CHECK_OK(lstat("sl2", &st));
	CHECK_EQ(S_ISLNK(st.st_mode), 1);
	CHECK(content_is("sl2", "A"));

	/* The directory's cwd-relative path follows the move. */
	ASSERT_OK(mkdir("m", 0755));
	ASSERT_OK(chdir("m"));
	ASSERT_OK(rename("../m", "../m2"));
	char cwd[256];
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	CHECK(strlen(cwd) > 3 && strcmp(cwd + strlen(cwd) - 3, "/m2") == 0);
	ASSERT_OK(chdir(tdir));

	cleanup_dir();
	return test_done();
}
