//go:build ignore

/* link and linkat: hard links, link counts and errors. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	struct stat st, st2;
	int fd;
	setup_dir();
	ASSERT_OK(fd = open("f", O_CREAT | O_RDWR, 0644));
	CHECK_EQ(write(fd, "x", 1), 1);

	CHECK_EQ(link("f", "g"), 0);
	CHECK_OK(stat("f", &st));
	CHECK_OK(stat("g", &st2));
	CHECK_EQ(st.st_ino, st2.st_ino);
	CHECK_EQ(st.st_nlink, 2);
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_nlink, 2);
	/* Writes through one name show through the other. */
	CHECK_EQ(pwrite(fd, "yz", 2, 1), 2);
	CHECK_OK(stat("g", &st2));
	CHECK_EQ(st2.st_size, 3);

	/* Errors. */
	CHECK_ERRNO(link("f", "g"), -1, EEXIST);
	CHECK_ERRNO(link("nope", "h"), -1, ENOENT);
	CHECK_ERRNO(link("f", "nodir/h"), -1, ENOENT);
	CHECK_ERRNO(link("f", "h/"), -1, ENOENT);
	ASSERT_OK(mkdir("d", 0755));
	CHECK_ERRNO(link("d", "d2"), -1, EPERM);
	CHECK_ERRNO(link("f", "d"), -1, EEXIST);
	CHECK_ERRNO(link("/proc/self/status", "h"), -1, EXDEV);

	/* linkat: a symlink is linked itself unless AT_SYMLINK_FOLLOW. */
	ASSERT_OK(symlink("f", "s"));
	CHECK_EQ(linkat(AT_FDCWD, "s", AT_FDCWD, "s2", 0), 0);
	CHECK_OK(lstat("s2", &st));
	CHECK_EQ(S_ISLNK(st.st_mode), 1);
	CHECK_EQ(linkat(AT_FDCWD, "s", AT_FDCWD, "s3", AT_SYMLINK_FOLLOW), 0);
	CHECK_OK(lstat("s3", &st));
	CHECK_EQ(S_ISREG(st.st_mode), 1);
	CHECK_EQ(st.st_nlink, 3);
	CHECK_ERRNO(linkat(AT_FDCWD, "s", AT_FDCWD, "s4", 0x10), -1, EINVAL);
	/* AT_EMPTY_PATH links the open file. */
	CHECK_EQ(linkat(fd, "", AT_FDCWD, "e", AT_EMPTY_PATH), 0);
	CHECK_OK(stat("e", &st));
	CHECK_EQ(st.st_nlink, 4);
	/* Relative to directory fds. */
	int dfd;
	ASSERT_OK(dfd = open("d", O_RDONLY | O_DIRECTORY));
	CHECK_EQ(linkat(AT_FDCWD, "f", dfd, "in", 0), 0);
	CHECK_OK(stat("d/in", &st));
	CHECK_EQ(st.st_nlink, 5);
	close(dfd);

	/* Unlinking names counts down. */
	CHECK_EQ(unlink("g"), 0);
	CHECK_EQ(unlink("s3"), 0);
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_nlink, 3);
	close(fd);

	cleanup_dir();
	return test_done();
}
