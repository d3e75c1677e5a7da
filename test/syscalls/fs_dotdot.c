//go:build ignore

/* Dot-dot: at the root it stays at the root, across mount points it goes to the parent mount, and after a rename it follows the new parent. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	struct stat st, root, tmp;
	int fd;
	setup_dir();
	ASSERT_OK(stat("/", &root));
	CHECK_OK(stat("/..", &st));
	CHECK_EQ(st.st_ino, root.st_ino);
	CHECK_EQ(st.st_dev, root.st_dev);
	CHECK_OK(stat("/../../..", &st));
	CHECK_EQ(st.st_ino, root.st_ino);
	/* From a directory fd at the root. */
	int rfd;
	ASSERT_OK(rfd = open("/", O_RDONLY | O_DIRECTORY));
	CHECK_OK(fstatat(rfd, "..", &st, 0));
	CHECK_EQ(st.st_ino, root.st_ino);
	close(rfd);
	/* /tmp/.. is the root even though /tmp may be a mount. */
	ASSERT_OK(stat("/tmp", &tmp));
	CHECK_OK(stat("/tmp/..", &st));
	CHECK_EQ(st.st_ino, root.st_ino);
	CHECK_EQ(st.st_dev, root.st_dev);
	/* Enough ".." from the test directory reaches the root and stays. */
	char path[256] = "";
	for (int i = 0; i < 20; i++)
		strcat(path, "../");
	CHECK_OK(stat(path, &st));
	CHECK_EQ(st.st_ino, root.st_ino);
	strcat(path, "tmp");
	CHECK_OK(stat(path, &st));
	CHECK_EQ(st.st_ino, tmp.st_ino);
	/* ".." names the parent the directory has now. */
	ASSERT_OK(mkdir("a", 0755));
	ASSERT_OK(mkdir("b", 0755));
	ASSERT_OK(mkdir("a/c", 0755));
	ASSERT_OK(fd = open("a/c", O_RDONLY | O_DIRECTORY));
	ASSERT_OK(rename("a/c", "b/c"));
	struct stat b;
	ASSERT_OK(stat("b", &b));
	CHECK_OK(fstatat(fd, "..", &st, 0));
	CHECK_EQ(st.st_ino, b.st_ino);
	/* So does a cwd inside it. */
	ASSERT_OK(fchdir(fd));
	CHECK_OK(stat("..", &st));
	CHECK_EQ(st.st_ino, b.st_ino);
	char cwd[256];
	ASSERT_NE(getcwd(cwd, sizeof(cwd)), NULL);
	char want[256];
	snprintf(want, sizeof(want), "%s/b/c", tdir);
	CHECK_STREQ(cwd, want);
	/* "." and ".." cannot be created or removed. */
	CHECK_ERRNO(mkdir("..", 0755), -1, EEXIST);
	CHECK_ERRNO(mkdir(".", 0755), -1, EEXIST);
	CHECK_ERRNO(rmdir(".."), -1, ENOTEMPTY);
	CHECK_ERRNO(unlink(".."), -1, EISDIR);
	close(fd);
	cleanup_dir();
	return test_done();
}
