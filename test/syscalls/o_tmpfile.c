//go:build ignore

/* O_TMPFILE: unnamed files, and giving them a name with linkat. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	struct stat st;
	char buf[8];
	int fd;
	setup_dir();
	umask(022);

	ASSERT_OK(fd = open(".", O_TMPFILE | O_RDWR, 0640));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_mode, S_IFREG | 0640);
	CHECK_EQ(st.st_nlink, 0);
	CHECK_EQ(write(fd, "tmp", 3), 3);
	CHECK_EQ(pread(fd, buf, sizeof(buf), 0), 3);
	/* Nothing shows in the directory. */
	int dfd = open(".", O_RDONLY | O_DIRECTORY);
	char dents[1024];
	long n = RAW(SYS_getdents64, dfd, dents, sizeof(dents));
	CHECK_EQ(n, 48); /* "." and ".." only */
	close(dfd);
	/* linkat gives it a name. */
	CHECK_EQ(linkat(fd, "", AT_FDCWD, "named", AT_EMPTY_PATH), 0);
	CHECK_OK(stat("named", &st));
	CHECK_EQ(st.st_nlink, 1);
	CHECK_EQ(st.st_size, 3);
	close(fd);

	/* O_EXCL: never linkable. */
	ASSERT_OK(fd = open(".", O_TMPFILE | O_WRONLY | O_EXCL, 0600));
	CHECK_ERRNO(linkat(fd, "", AT_FDCWD, "never", AT_EMPTY_PATH), -1, ENOENT);
	close(fd);

	/* Errors: read-only, with O_CREAT, on a file, on a missing path. */
	CHECK_ERRNO(open(".", O_TMPFILE | O_RDONLY, 0600), -1, EINVAL);
	CHECK_ERRNO(open(".", O_TMPFILE | O_RDWR | O_CREAT, 0600), -1, EINVAL);
	CHECK_ERRNO(open("named", O_TMPFILE | O_RDWR, 0600), -1, ENOTDIR);
	CHECK_ERRNO(open("missing", O_TMPFILE | O_RDWR, 0600), -1, ENOENT);
	cleanup_dir();
	return test_done();
}
