//go:build ignore

/* open and openat: flags, dirfd handling, and errors. */
#include "testutil.h"
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

#ifndef O_LARGEFILE_KERNEL
#define O_LARGEFILE_KERNEL 0100000 /* the kernel's O_LARGEFILE on x86_64 */
#endif

static long sys_openat(int dirfd, const char *path, int flags, int mode)
{
	return RAW(SYS_openat, dirfd, path, flags, mode);
}

int main(void)
{
	int fd, dfd;
	struct stat st, st2;

	/* Plain open: lowest free fd (0-2 are open), F_GETFL shows O_RDONLY
	 * plus the O_LARGEFILE the kernel forces on 64-bit. */
	ASSERT_OK(fd = sys_openat(AT_FDCWD, "/etc/passwd", O_RDONLY, 0));
	CHECK_EQ(fd, 3);
	CHECK_EQ(fcntl(fd, F_GETFL), O_RDONLY | O_LARGEFILE_KERNEL);
	CHECK_EQ(fcntl(fd, F_GETFD), 0);
	/* The open(2) syscall also works. */
	int fd4;
	ASSERT_OK(fd4 = RAW(SYS_open, "/etc/passwd", O_RDONLY | O_CLOEXEC, 0));
	CHECK_EQ(fd4, 4);
	CHECK_EQ(fcntl(fd4, F_GETFD), FD_CLOEXEC);
	/* O_CLOEXEC is not part of the status flags. */
	CHECK_EQ(fcntl(fd4, F_GETFL), O_RDONLY | O_LARGEFILE_KERNEL);
	close(fd4);
	/* O_NONBLOCK is kept in the status flags. */
	ASSERT_OK(fd4 = sys_openat(AT_FDCWD, "/etc/passwd", O_RDONLY | O_NONBLOCK, 0));
	CHECK_EQ(fcntl(fd4, F_GETFL), O_RDONLY | O_NONBLOCK | O_LARGEFILE_KERNEL);
	close(fd4);

	/* openat relative to a directory fd gives the same file. */
	ASSERT_OK(dfd = sys_openat(AT_FDCWD, "/etc", O_RDONLY | O_DIRECTORY, 0));
	ASSERT_OK(fd4 = sys_openat(dfd, "passwd", O_RDONLY, 0));
	CHECK_OK(fstat(fd, &st));
	CHECK_OK(fstat(fd4, &st2));
	CHECK_EQ(st.st_ino, st2.st_ino);
	CHECK_EQ(st.st_dev, st2.st_dev);
	close(fd4);
	/* "./passwd" and "../etc/passwd" relative to /etc. */
	ASSERT_OK(fd4 = sys_openat(dfd, "./passwd", O_RDONLY, 0));
	close(fd4);
	ASSERT_OK(fd4 = sys_openat(dfd, "../etc/passwd", O_RDONLY, 0));
	close(fd4);
	/* An absolute path ignores dirfd, even a bad one. */
	ASSERT_OK(fd4 = sys_openat(-1, "/etc/passwd", O_RDONLY, 0));
	close(fd4);
	ASSERT_OK(fd4 = sys_openat(9999, "/etc/passwd", O_RDONLY, 0));
	close(fd4);
	/* A relative path with a bad dirfd, or a dirfd that is a file. */
	CHECK_ERRNO(sys_openat(-1, "passwd", O_RDONLY, 0), -1, EBADF);
	CHECK_ERRNO(sys_openat(9999, "passwd", O_RDONLY, 0), -1, EBADF);
	CHECK_ERRNO(sys_openat(fd, "passwd", O_RDONLY, 0), -1, ENOTDIR);
	/* ".." of / is /. */
	ASSERT_OK(fd4 = sys_openat(AT_FDCWD, "/../../etc/passwd", O_RDONLY, 0));
	close(fd4);
	/* Repeated slashes are fine. */
	ASSERT_OK(fd4 = sys_openat(AT_FDCWD, "//etc///passwd", O_RDONLY, 0));
	close(fd4);

	/* ENOENT: missing last component, missing middle, empty path. */
	CHECK_ERRNO(sys_openat(AT_FDCWD, "/etc/no-such-file-moat", O_RDONLY, 0), -1, ENOENT);
	CHECK_ERRNO(sys_openat(AT_FDCWD, "/no-such-dir-moat/passwd", O_RDONLY, 0), -1, ENOENT);
	CHECK_ERRNO(sys_openat(AT_FDCWD, "", O_RDONLY, 0), -1, ENOENT);
	CHECK_ERRNO(sys_openat(dfd, "", O_RDONLY, 0), -1, ENOENT);
	/* ENOTDIR: a file used as a directory, O_DIRECTORY on a file, trailing slash. */
	CHECK_ERRNO(sys_openat(AT_FDCWD, "/etc/passwd/x", O_RDONLY, 0), -1, ENOTDIR);
	CHECK_ERRNO(sys_openat(AT_FDCWD, "/etc/passwd", O_RDONLY | O_DIRECTORY, 0), -1, ENOTDIR);
	CHECK_ERRNO(sys_openat(AT_FDCWD, "/etc/passwd/", O_RDONLY, 0), -1, ENOTDIR);
	/* EISDIR: opening a directory for writing. */
	CHECK_ERRNO(sys_openat(AT_FDCWD, "/usr", O_WRONLY, 0), -1, EISDIR);
	CHECK_ERRNO(sys_openat(AT_FDCWD, "/usr", O_RDWR, 0), -1, EISDIR);
	CHECK_ERRNO(sys_openat(AT_FDCWD, "/usr/", O_WRONLY, 0), -1, EISDIR);
	/* A directory opens read-only with or without O_DIRECTORY. */
	ASSERT_OK(fd4 = sys_openat(AT_FDCWD, "/usr", O_RDONLY, 0));
	CHECK_OK(fstat(fd4, &st));
	CHECK(S_ISDIR(st.st_mode));
	CHECK_EQ(fcntl(fd4, F_GETFL), O_RDONLY | O_LARGEFILE_KERNEL);
	close(fd4);
	/* With O_DIRECTORY, the flag is kept in the status flags. */
	ASSERT_OK(fd4 = sys_openat(AT_FDCWD, "/usr", O_RDONLY | O_DIRECTORY, 0));
	CHECK_EQ(fcntl(fd4, F_GETFL), O_RDONLY | O_LARGEFILE_KERNEL | O_DIRECTORY);
	close(fd4);
	/* ENAMETOOLONG: a component over NAME_MAX, a path over PATH_MAX. */
	char name[NAME_MAX + 2];
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	CHECK_ERRNO(sys_openat(dfd, name, O_RDONLY, 0), -1, ENAMETOOLONG);
	static char longpath[PATH_MAX + 10];
	for (size_t i = 0; i + 2 < sizeof(longpath); i += 2)
		memcpy(longpath + i, "./", 2);
	longpath[sizeof(longpath) - 1] = 0;
	CHECK_ERRNO(sys_openat(dfd, longpath, O_RDONLY, 0), -1, ENAMETOOLONG);
	/* EFAULT on a bad path pointer. */
	CHECK_ERRNO(sys_openat(AT_FDCWD, (const char *)8, O_RDONLY, 0), -1, EFAULT);

	/* Symlinks: find one on this system. /bin/sh is usually one. */
	const char *links[] = { "/bin/sh", "/bin", "/lib64", "/usr/bin/awk",
				"/etc/localtime", "/usr/bin/pager" };
	const char *link = NULL;
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		if (lstat(links[i], &st) == 0 && S_ISLNK(st.st_mode) &&
		    stat(links[i], &st2) == 0) {
			link = links[i];
			break;
		}
	}
	if (link == NULL) {
		FAIL("none of the candidate symlinks exists");
	} else {
		/* Following the link opens the target. */
		ASSERT_OK(fd4 = sys_openat(AT_FDCWD, link, O_RDONLY, 0));
		CHECK_OK(fstat(fd4, &st));
		CHECK_EQ(st.st_ino, st2.st_ino);
		close(fd4);
		/* O_NOFOLLOW on a symlink as the last component: ELOOP. */
		CHECK_ERRNO(sys_openat(AT_FDCWD, link, O_RDONLY | O_NOFOLLOW, 0), -1, ELOOP);
		/* O_PATH | O_NOFOLLOW opens the link itself. */
		ASSERT_OK(fd4 = sys_openat(AT_FDCWD, link, O_PATH | O_NOFOLLOW, 0));
		CHECK_OK(fstat(fd4, &st));
		CHECK(S_ISLNK(st.st_mode));
		char c;
		CHECK_ERRNO(read(fd4, &c, 1), -1, EBADF);
		/* O_PATH keeps only O_PATH-related flags: no O_LARGEFILE. */
		CHECK_EQ(fcntl(fd4, F_GETFL), O_PATH | O_NOFOLLOW);
		close(fd4);
	}
	/* O_NOFOLLOW only concerns the last component: /bin is a symlink on
	 * merged-/usr systems, /bin/true still opens. */
	ASSERT_OK(fd4 = sys_openat(AT_FDCWD, "/bin/true", O_RDONLY | O_NOFOLLOW, 0));
	close(fd4);

	/* O_PATH on a directory can be used as a dirfd but not read. */
	int pfd;
	ASSERT_OK(pfd = sys_openat(AT_FDCWD, "/etc", O_PATH | O_DIRECTORY, 0));
	ASSERT_OK(fd4 = sys_openat(pfd, "passwd", O_RDONLY, 0));
	close(fd4);
	char c;
	CHECK_ERRNO(read(pfd, &c, 1), -1, EBADF);
	close(pfd);

	/* O_CREAT|O_EXCL on an existing file: EEXIST, checked before anything is written. */
	CHECK_ERRNO(sys_openat(AT_FDCWD, "/etc/passwd", O_RDONLY | O_CREAT | O_EXCL, 0644), -1, EEXIST);
	/* O_CREAT on an existing directory: EISDIR. */
	CHECK_ERRNO(sys_openat(AT_FDCWD, "/usr", O_RDONLY | O_CREAT, 0644), -1, EISDIR);
	/* O_DIRECTORY|O_CREAT is EINVAL (since Linux 6.4). */
	CHECK_ERRNO(sys_openat(AT_FDCWD, "/usr", O_RDONLY | O_CREAT | O_DIRECTORY, 0644), -1, EINVAL);

	/* fds are allocated lowest-first: closing 3 makes it the next. */
	close(fd);
	ASSERT_OK(fd = sys_openat(AT_FDCWD, "/etc/passwd", O_RDONLY, 0));
	CHECK_EQ(fd, 3);
	close(fd);
	close(dfd);
	return test_done();
}
