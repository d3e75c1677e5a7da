//go:build ignore

/* unlink and unlinkat: names go, open files stay. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	struct stat st;
	int fd;
	char buf[16];
	setup_dir();

	ASSERT_OK(fd = open("f", O_CREAT | O_RDWR, 0644));
	CHECK_EQ(write(fd, "keep", 4), 4);
	CHECK_EQ(unlink("f"), 0);
	CHECK_ERRNO(stat("f", &st), -1, ENOENT);
	CHECK_ERRNO(unlink("f"), -1, ENOENT);
	/* The open file still works and has no links. */
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_nlink, 0);
	CHECK_EQ(pread(fd, buf, sizeof(buf), 0), 4);
	CHECK_MEMEQ(buf, "keep", 4);
	CHECK_EQ(pwrite(fd, "more", 4, 4), 4);
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 8);
	/* Its /proc/self/fd link says it is deleted. */
	char lnk[64], target[512];
	snprintf(lnk, sizeof(lnk), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(lnk, target, sizeof(target) - 1);
	CHECK_GT(n, 0);
	if (n > 0) {
		target[n] = 0;
		CHECK(strstr(target, "/f (deleted)") != NULL);
	}
	close(fd);

	/* A new file of the same name is a new file. */
	ASSERT_OK(fd = open("f", O_CREAT | O_RDWR, 0644));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 0);
	close(fd);

	/* Directories: EISDIR; trailing slashes; missing parents. */
	ASSERT_OK(mkdir("d", 0755));
	CHECK_ERRNO(unlink("d"), -1, EISDIR);
	CHECK_ERRNO(unlink("d/"), -1, EISDIR);
	CHECK_ERRNO(unlink("f/"), -1, ENOTDIR);
	CHECK_ERRNO(unlink("nope/"), -1, ENOENT);
	CHECK_ERRNO(unlink("nope/x"), -1, ENOENT);
	CHECK_ERRNO(unlink("f/x"), -1, ENOTDIR);
	CHECK_ERRNO(unlink("."), -1, EISDIR);
	CHECK_ERRNO(unlink(""), -1, ENOENT);

	/* unlinkat relative to a directory. */
	int dfd;
	ASSERT_OK(dfd = open("d", O_RDONLY | O_DIRECTORY));
	ASSERT_OK(fd = openat(dfd, "g", O_CREAT | O_WRONLY, 0644));
	close(fd);
	CHECK_EQ(unlinkat(dfd, "g", 0), 0);
	CHECK_ERRNO(unlinkat(dfd, "g", 0), -1, ENOENT);
	close(dfd);

	/* Removing a symlink removes the link, not its target. */
	ASSERT_OK(symlink("f", "l"));
	CHECK_EQ(unlink("l"), 0);
	CHECK_OK(stat("f", &st));
	/* Even a symlink to a directory, and a dangling one. */
	ASSERT_OK(symlink("d", "ld"));
	CHECK_EQ(unlink("ld"), 0);
	ASSERT_OK(symlink("nowhere", "dangling"));
	CHECK_EQ(unlink("dangling"), 0);
	CHECK_OK(stat("d", &st));

	/* Hard links: the data lives while a name does. */
	ASSERT_OK(link("f", "f2"));
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_nlink, 2);
	CHECK_EQ(unlink("f"), 0);
	CHECK_OK(stat("f2", &st));
	CHECK_EQ(st.st_nlink, 1);

	cleanup_dir();
	return test_done();
}
