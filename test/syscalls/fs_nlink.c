//go:build ignore

/* Link counts: a directory has 2 plus one per subdirectory, renames of directories between parents move the count, files count hard links, and removed files reach 0. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	struct stat st;
	int fd;
	setup_dir();
	ASSERT_OK(mkdir("a", 0755));
	ASSERT_OK(mkdir("b", 0755));
	CHECK_OK(stat("a", &st));
	CHECK_EQ(st.st_nlink, 2);
	ASSERT_OK(mkdir("a/x", 0755));
	ASSERT_OK(mkdir("a/y", 0755));
	CHECK_OK(stat("a", &st));
	CHECK_EQ(st.st_nlink, 4);
	/* Files do not add to a directory's count. */
	ASSERT_OK(fd = open("a/f", O_CREAT | O_WRONLY, 0644));
	CHECK_OK(stat("a", &st));
	CHECK_EQ(st.st_nlink, 4);
	/* Moving a subdirectory moves a link between the parents. */
	ASSERT_OK(rename("a/x", "b/x"));
	CHECK_OK(stat("a", &st));
	CHECK_EQ(st.st_nlink, 3);
	CHECK_OK(stat("b", &st));
	CHECK_EQ(st.st_nlink, 3);
	/* Replacing an empty directory keeps the target parent's count. */
	ASSERT_OK(mkdir("b/z", 0755));
	CHECK_OK(stat("b", &st));
	CHECK_EQ(st.st_nlink, 4);
	ASSERT_OK(rename("a/y", "b/z"));
	CHECK_OK(stat("b", &st));
	CHECK_EQ(st.st_nlink, 4);
	CHECK_OK(stat("a", &st));
	CHECK_EQ(st.st_nlink, 2);
	/* Hard links. */
	ASSERT_OK(link("a/f", "b/f1"));
	ASSERT_OK(link("a/f", "f2"));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_nlink, 3);
	ASSERT_OK(rename("f2", "b/f1"));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_nlink, 3);
	ASSERT_OK(unlink("b/f1"));
	ASSERT_OK(unlink("f2"));
	ASSERT_OK(unlink("a/f"));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_nlink, 0);
	close(fd);
	/* A removed directory open by fd has 0 links. */
	int dfd;
	ASSERT_OK(dfd = open("b/z", O_RDONLY | O_DIRECTORY));
	ASSERT_OK(rmdir("b/z"));
	CHECK_OK(fstat(dfd, &st));
	CHECK_EQ(st.st_nlink, 0);
	CHECK_OK(stat("b", &st));
	CHECK_EQ(st.st_nlink, 3);
	close(dfd);
	/* A symlink is one link and does not count for its target. */
	ASSERT_OK(symlink("a", "la"));
	CHECK_OK(lstat("la", &st));
	CHECK_EQ(st.st_nlink, 1);
	CHECK_OK(stat("a", &st));
	CHECK_EQ(st.st_nlink, 2);
	cleanup_dir();
	return test_done();
}
