//go:build ignore

/* What an O_PATH descriptor allows: naming, fstat, *at calls, fchdir;
 * and what it does not: I/O and most metadata calls. */
#include "testutil.h"
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	struct stat st;
	int fd, dfd;
	char c;
	setup_dir();
	ASSERT_OK(mkdir("d", 0755));
	ASSERT_OK(fd = open("d/f", O_CREAT | O_WRONLY, 0644));
	CHECK_EQ(write(fd, "x", 1), 1);
	close(fd);

	ASSERT_OK(fd = open("d/f", O_PATH));
	CHECK_EQ(fcntl(fd, F_GETFL), O_PATH);
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 1);
	CHECK_ERRNO(read(fd, &c, 1), -1, EBADF);
	CHECK_ERRNO(write(fd, "y", 1), -1, EBADF);
	CHECK_ERRNO(fchmod(fd, 0600), -1, EBADF);
	CHECK_ERRNO(fchown(fd, 0, 0), -1, EBADF);
	CHECK_ERRNO(ftruncate(fd, 0), -1, EBADF);
	CHECK_ERRNO(fsync(fd), -1, EBADF);
	CHECK_ERRNO(fgetxattr(fd, "user.x", &c, 1), -1, EBADF);
	struct statfs sf;
	CHECK_OK(fstatfs(fd, &sf));
	/* fstatat with AT_EMPTY_PATH, and a reopen through /proc. */
	CHECK_OK(fstatat(fd, "", &st, AT_EMPTY_PATH));
	CHECK_EQ(st.st_size, 1);
	/* fchmodat on the fd through AT_EMPTY_PATH-less calls fails. */
	close(fd);

	/* A directory O_PATH fd is a fine dirfd and fchdir target. */
	ASSERT_OK(dfd = open("d", O_PATH | O_DIRECTORY));
	ASSERT_OK(fd = openat(dfd, "f", O_RDONLY));
	CHECK_EQ(read(fd, &c, 1), 1);
	close(fd);
	CHECK_OK(mkdirat(dfd, "sub", 0755));
	CHECK_OK(fstatat(dfd, "sub", &st, 0));
	CHECK_OK(fchdir(dfd));
	CHECK_OK(stat("f", &st));
	CHECK_ERRNO(RAW(SYS_getdents64, dfd, &st, sizeof(st)), -1, EBADF);
	close(dfd);
	ASSERT_OK(chdir(tdir));

	/* O_PATH on a file one cannot read is allowed. */
	ASSERT_OK(chmod("d/f", 0));
	ASSERT_OK(chmod(tdir, 0755));
	pid_t pid = test_fork();
	if (pid == 0) {
		if (setresuid(65534, 65534, 65534))
			FATAL("setresuid");
		int p = open("d/f", O_PATH);
		CHECK_GE(p, 0);
		CHECK_ERRNO(open("d/f", O_RDONLY), -1, EACCES);
		child_exit();
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	cleanup_dir();
	return test_done();
}
