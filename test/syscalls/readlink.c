//go:build ignore

/* readlink and readlinkat: targets, truncation, and errors. */
#include "testutil.h"
#include <fcntl.h>
#include <sys/stat.h>

int main(void)
{
	char buf[256], buf2[256];
	struct stat st;
	const char *link = "/bin/sh";

	/* Pick a symlink: /bin/sh on most systems. */
	ASSERT_OK(lstat(link, &st));
	if (!S_ISLNK(st.st_mode)) {
		link = "/bin";
		ASSERT_OK(lstat(link, &st));
	}
	ASSERT_EQ(S_ISLNK(st.st_mode), 1);

	/* The full target: no NUL added, length is lstat's st_size. */
	memset(buf, 'X', sizeof(buf));
	ssize_t n = RAW(SYS_readlink, link, buf, sizeof(buf));
	CHECK_EQ(n, st.st_size);
	ASSERT_GE(n, 2);
	CHECK_EQ(buf[n], 'X');
	buf[n] = 0;
	CHECK_EQ(strlen(buf), n);

	/* readlinkat with AT_FDCWD and with a dirfd agree. */
	CHECK_EQ(RAW(SYS_readlinkat, AT_FDCWD, link, buf2, sizeof(buf2)), n);
	CHECK_MEMEQ(buf2, buf, n);
	char dir[256];
	strcpy(dir, link);
	*strrchr(dir, '/') = 0;
	if (dir[0] == 0)
		strcpy(dir, "/");
	int dfd;
	ASSERT_OK(dfd = open(dir, O_RDONLY | O_DIRECTORY));
	CHECK_EQ(RAW(SYS_readlinkat, dfd, strrchr(link, '/') + 1, buf2, sizeof(buf2)), n);
	CHECK_MEMEQ(buf2, buf, n);

	/* A buffer too small: truncated to the buffer size, no error. */
	memset(buf2, 'X', sizeof(buf2));
	CHECK_EQ(RAW(SYS_readlink, link, buf2, n - 1), n - 1);
	CHECK_MEMEQ(buf2, buf, n - 1);
	CHECK_EQ(buf2[n - 1], 'X');
	CHECK_EQ(RAW(SYS_readlink, link, buf2, 1), 1);
	CHECK_EQ(buf2[0], buf[0]);
	/* Exactly the length: fits, no NUL. */
	CHECK_EQ(RAW(SYS_readlink, link, buf2, n), n);

	/* readlinkat on an O_PATH|O_NOFOLLOW fd of the link with an empty path. */
	int lfd;
	ASSERT_OK(lfd = open(link, O_PATH | O_NOFOLLOW));
	memset(buf2, 0, sizeof(buf2));
	CHECK_EQ(RAW(SYS_readlinkat, lfd, "", buf2, sizeof(buf2)), n);
	CHECK_MEMEQ(buf2, buf, n);
	close(lfd);

	/* Errors. Not a link: EINVAL (file, directory, device). */
	CHECK_ERRNO(RAW(SYS_readlink, "/etc/passwd", buf2, sizeof(buf2)), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_readlink, "/usr", buf2, sizeof(buf2)), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_readlink, "/dev/null", buf2, sizeof(buf2)), -1, EINVAL);
	/* An empty path names dirfd itself; if that is not a link: ENOENT. */
	CHECK_ERRNO(RAW(SYS_readlinkat, AT_FDCWD, "", buf2, sizeof(buf2)), -1, ENOENT);
	CHECK_ERRNO(RAW(SYS_readlinkat, dfd, "", buf2, sizeof(buf2)), -1, ENOENT);
	/* bufsiz 0 or negative: EINVAL. */
	CHECK_ERRNO(RAW(SYS_readlink, link, buf2, 0), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_readlink, link, buf2, -1), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_readlink, "/no-such-moat", buf2, sizeof(buf2)), -1, ENOENT);
	CHECK_ERRNO(RAW(SYS_readlink, "/etc/passwd/x", buf2, sizeof(buf2)), -1, ENOTDIR);
	CHECK_ERRNO(RAW(SYS_readlinkat, -1, "sh", buf2, sizeof(buf2)), -1, EBADF);
	CHECK_ERRNO(RAW(SYS_readlink, link, (void *)8, sizeof(buf2)), -1, EFAULT);
	/* A trailing slash follows the link: then it is not a link (or not a dir). */
	char slash[260];
	snprintf(slash, sizeof(slash), "%s/", link);
	struct stat tst;
	ASSERT_OK(stat(link, &tst));
	CHECK_ERRNO(RAW(SYS_readlink, slash, buf2, sizeof(buf2)), -1,
		    S_ISDIR(tst.st_mode) ? EINVAL : ENOTDIR);
	close(dfd);
	return test_done();
}
