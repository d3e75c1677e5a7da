//go:build ignore

/* fchdir and getcwd: fchdir needs a directory fd (ENOTDIR, EBADF), O_PATH directory fds work, search permission is required; getcwd of a removed directory is ENOENT and of one outside the root starts with (unreachable). */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	int fd, dfd, pfd;
	char buf[256], want[256];
	setup_dir();
	ASSERT_OK(mkdir("d", 0755));
	ASSERT_OK(mkdir("d/e", 0755));
	ASSERT_OK(fd = open("f", O_CREAT | O_WRONLY, 0644));
	ASSERT_OK(dfd = open("d", O_RDONLY | O_DIRECTORY));
	ASSERT_OK(pfd = open("d/e", O_PATH));
	CHECK_ERRNO(fchdir(fd), -1, ENOTDIR);
	CHECK_ERRNO(fchdir(999), -1, EBADF);
	CHECK_ERRNO(fchdir(-1), -1, EBADF);
	CHECK_OK(fchdir(dfd));
	ASSERT_NE(getcwd(buf, sizeof(buf)), NULL);
	snprintf(want, sizeof(want), "%s/d", tdir);
	CHECK_STREQ(buf, want);
	CHECK_OK(fchdir(pfd));
	ASSERT_NE(getcwd(buf, sizeof(buf)), NULL);
	snprintf(want, sizeof(want), "%s/d/e", tdir);
	CHECK_STREQ(buf, want);
	/* getcwd's size: too small is ERANGE, exactly the length + 1 fits. */
	CHECK_EQ(syscall(SYS_getcwd, buf, strlen(want)), -1);
	CHECK_EQ(errno, ERANGE);
	CHECK_EQ(syscall(SYS_getcwd, buf, strlen(want) + 1), (long)strlen(want) + 1);
	CHECK_EQ(syscall(SYS_getcwd, NULL, 0), -1);
	CHECK(errno == ERANGE || errno == EFAULT);
	/* Removed cwd: the raw call fails with ENOENT. */
	ASSERT_OK(rmdir(want));
	CHECK_EQ(syscall(SYS_getcwd, buf, sizeof(buf)), -1);
	CHECK_EQ(errno, ENOENT);
	/* "." still works for stat, ".." is the old parent. */
	struct stat st, dst;
	CHECK_OK(stat(".", &st));
	CHECK_OK(stat("..", &st));
	CHECK_OK(fstat(dfd, &dst));
	CHECK_EQ(st.st_ino, dst.st_ino);
	/* Search permission on the target is needed. */
	ASSERT_OK(chdir(tdir));
	ASSERT_OK(chmod("d", 0600));
	pid_t pid = test_fork();
	if (pid == 0) {
		if (setresuid(65534, 65534, 65534))
			FATAL("setresuid");
		CHECK_ERRNO(fchdir(dfd), -1, EACCES);
		CHECK_ERRNO(chdir("d"), -1, EACCES);
		child_exit();
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	ASSERT_OK(chmod("d", 0755));
	/* A cwd outside the root after chroot: "(unreachable)" prefix. */
	pid = test_fork();
	if (pid == 0) {
		ASSERT_OK(chroot("d"));
		long n = syscall(SYS_getcwd, buf, sizeof(buf));
		CHECK_GT(n, 0);
		CHECK_EQ(strncmp(buf, "(unreachable)", 13), 0);
		/* glibc's getcwd turns that into ENOENT. */
		CHECK(getcwd(buf, sizeof(buf)) == NULL);
		CHECK_EQ(errno, ENOENT);
		/* fchdir to the new root and getcwd is "/". */
		ASSERT_OK(chdir("/"));
		CHECK_EQ(syscall(SYS_getcwd, buf, sizeof(buf)), 2);
		CHECK_STREQ(buf, "/");
		child_exit();
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	close(fd);
	close(dfd);
	close(pfd);
	cleanup_dir();
	return test_done();
}
