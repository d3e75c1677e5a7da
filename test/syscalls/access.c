//go:build ignore

/* access, faccessat and faccessat2: F_OK, R_OK, X_OK, flags and errors. */
#include "testutil.h"
#include <fcntl.h>
#include <sys/stat.h>

#ifndef SYS_faccessat2
#define SYS_faccessat2 439
#endif

int main(void)
{
	/* Existence and read permission on readable files (any uid). */
	CHECK_EQ(RAW(SYS_access, "/etc/passwd", F_OK), 0);
	CHECK_EQ(RAW(SYS_access, "/etc/passwd", R_OK), 0);
	CHECK_EQ(RAW(SYS_access, "/usr", R_OK | X_OK), 0);
	CHECK_EQ(RAW(SYS_access, "/", F_OK), 0);
	/* /bin/sh is executable and readable (through the symlink). */
	CHECK_EQ(RAW(SYS_access, "/bin/sh", X_OK), 0);
	CHECK_EQ(RAW(SYS_access, "/bin/sh", R_OK | X_OK), 0);
	/* /etc/passwd has no execute bit at all: EACCES even for root. */
	struct stat st;
	ASSERT_OK(stat("/etc/passwd", &st));
	ASSERT_EQ(st.st_mode & 0111, 0);
	CHECK_ERRNO(RAW(SYS_access, "/etc/passwd", X_OK), -1, EACCES);
	CHECK_ERRNO(RAW(SYS_access, "/etc/passwd", R_OK | X_OK), -1, EACCES);

	/* Missing files and bad paths. */
	CHECK_ERRNO(RAW(SYS_access, "/no-such-moat", F_OK), -1, ENOENT);
	CHECK_ERRNO(RAW(SYS_access, "/no-such-moat/x", R_OK), -1, ENOENT);
	CHECK_ERRNO(RAW(SYS_access, "", F_OK), -1, ENOENT);
	CHECK_ERRNO(RAW(SYS_access, "/etc/passwd/x", F_OK), -1, ENOTDIR);
	CHECK_ERRNO(RAW(SYS_access, "/etc/passwd/", F_OK), -1, ENOTDIR);
	CHECK_ERRNO(RAW(SYS_access, (void *)8, F_OK), -1, EFAULT);
	/* Mode bits other than R/W/X: EINVAL. */
	CHECK_ERRNO(RAW(SYS_access, "/etc/passwd", 8), -1, EINVAL);

	/* faccessat relative to a dirfd. */
	int dfd, fd;
	ASSERT_OK(dfd = open("/etc", O_RDONLY | O_DIRECTORY));
	CHECK_EQ(RAW(SYS_faccessat, dfd, "passwd", R_OK), 0);
	CHECK_ERRNO(RAW(SYS_faccessat, dfd, "passwd", X_OK), -1, EACCES);
	CHECK_ERRNO(RAW(SYS_faccessat, dfd, "no-such-moat", F_OK), -1, ENOENT);
	CHECK_EQ(RAW(SYS_faccessat, AT_FDCWD, "/etc/passwd", F_OK), 0);
	CHECK_EQ(RAW(SYS_faccessat, -1, "/etc/passwd", F_OK), 0);
	CHECK_ERRNO(RAW(SYS_faccessat, -1, "passwd", F_OK), -1, EBADF);
	ASSERT_OK(fd = open("/etc/passwd", O_RDONLY));
	CHECK_ERRNO(RAW(SYS_faccessat, fd, "x", F_OK), -1, ENOTDIR);
	CHECK_ERRNO(RAW(SYS_faccessat, dfd, "passwd", 0x10), -1, EINVAL);

	/* faccessat2 takes flags. */
	CHECK_EQ(RAW(SYS_faccessat2, dfd, "passwd", R_OK, 0), 0);
	CHECK_EQ(RAW(SYS_faccessat2, dfd, "passwd", R_OK, AT_EACCESS), 0);
	CHECK_ERRNO(RAW(SYS_faccessat2, dfd, "passwd", X_OK, AT_EACCESS), -1, EACCES);
	CHECK_EQ(RAW(SYS_faccessat2, AT_FDCWD, "/bin/sh", F_OK, AT_SYMLINK_NOFOLLOW), 0);
	CHECK_EQ(RAW(SYS_faccessat2, fd, "", R_OK, AT_EMPTY_PATH), 0);
	CHECK_ERRNO(RAW(SYS_faccessat2, fd, "", X_OK, AT_EMPTY_PATH), -1, EACCES);
	CHECK_ERRNO(RAW(SYS_faccessat2, fd, "", R_OK, 0), -1, ENOENT);
	CHECK_ERRNO(RAW(SYS_faccessat2, dfd, "passwd", R_OK, 0x1), -1, EINVAL);
	/* The libc wrapper agrees. */
	CHECK_EQ(faccessat(dfd, "passwd", R_OK, AT_EACCESS), 0);
	CHECK_ERRNO(faccessat(dfd, "no-such-moat", R_OK, 0), -1, ENOENT);
	/* A dangling symlink? Not available read-only; a symlink to an
	 * existing file is F_OK either way. */
	CHECK_EQ(RAW(SYS_faccessat2, AT_FDCWD, "/bin/sh", X_OK, 0), 0);
	close(fd);
	close(dfd);
	return test_done();
}
