//go:build ignore

/* Trailing slashes: they require a directory (ENOTDIR for files, EISDIR when creating a file), follow a final symlink, and are fine on directories. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	struct stat st;
	int fd;
	setup_dir();
	ASSERT_OK(fd = open("f", O_CREAT | O_WRONLY, 0644));
	close(fd);
	ASSERT_OK(mkdir("d", 0755));
	ASSERT_OK(symlink("d", "ld"));
	ASSERT_OK(symlink("f", "lf"));

	CHECK_ERRNO(open("f/", O_RDONLY), -1, ENOTDIR);
	CHECK_ERRNO(stat("f/", &st), -1, ENOTDIR);
	CHECK_ERRNO(lstat("f/", &st), -1, ENOTDIR);
	CHECK_ERRNO(access("f/", F_OK), -1, ENOTDIR);
	CHECK_ERRNO(open("f/.", O_RDONLY), -1, ENOTDIR);
	CHECK_ERRNO(truncate("f/", 0), -1, ENOTDIR);
	CHECK_ERRNO(chmod("f/", 0600), -1, ENOTDIR);
	CHECK_ERRNO(unlink("f/"), -1, ENOTDIR);
	CHECK_ERRNO(rename("f/", "g"), -1, ENOTDIR);
	CHECK_ERRNO(rename("f", "g/"), -1, ENOTDIR);
	CHECK_ERRNO(stat("lf/", &st), -1, ENOTDIR);
	/* A new file's name cannot end in a slash. */
	CHECK_ERRNO(open("new/", O_CREAT | O_WRONLY, 0644), -1, EISDIR);
	CHECK_ERRNO(lstat("new", &st), -1, ENOENT);
	CHECK_ERRNO(mknod("new/", S_IFIFO | 0644, 0), -1, ENOENT);
	CHECK_ERRNO(symlink("f", "new/"), -1, ENOENT);
	/* Directories take slashes anywhere. */
	CHECK_OK(mkdir("e/", 0755));
	CHECK_OK(mkdir("e2//", 0755));
	CHECK_OK(stat("d//", &st));
	CHECK_EQ(S_ISDIR(st.st_mode), 1);
	ASSERT_OK(fd = open("d/", O_RDONLY));
	close(fd);
	CHECK_ERRNO(open("d/", O_WRONLY), -1, EISDIR);
	/* A slash makes lstat follow a final symlink to a directory. */
	CHECK_OK(lstat("ld", &st));
	CHECK_EQ(S_ISLNK(st.st_mode), 1);
	CHECK_OK(lstat("ld/", &st));
	CHECK_EQ(S_ISDIR(st.st_mode), 1);
	/* rmdir and unlink of a symlink with a slash: the link is not a
	 * directory to remove. */
	CHECK_ERRNO(rmdir("ld/"), -1, ENOTDIR);
	CHECK_ERRNO(unlink("ld/"), -1, ENOTDIR);
	CHECK_OK(lstat("ld", &st));
	/* Renames of directories may carry slashes on both sides. */
	CHECK_OK(rename("e/", "e3/"));
	CHECK_OK(stat("e3", &st));
	CHECK_OK(rmdir("e3/"));
	CHECK_OK(rmdir("e2"));
	/* Creating with a slash where the name exists as a directory. */
	CHECK_ERRNO(open("d/", O_CREAT | O_WRONLY, 0644), -1, EISDIR);
	CHECK_ERRNO(mkdir("d/", 0755), -1, EEXIST);
	cleanup_dir();
	return test_done();
}
