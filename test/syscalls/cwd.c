//go:build ignore

/* getcwd, chdir and fchdir. */
#include "testutil.h"
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

static char buf[PATH_MAX];

/* cwd returns the raw getcwd result, checking its length convention. */
static const char *cwd(void)
{
	memset(buf, 'X', sizeof(buf));
	long n = RAW(SYS_getcwd, buf, sizeof(buf));
	if (n < 0) {
		FAIL("getcwd: errno %d", errno);
		return "";
	}
	/* The syscall returns the length including the NUL. */
	if (n != (long)strlen(buf) + 1)
		FAIL("getcwd returned %ld for \"%s\"", n, buf);
	return buf;
}

int main(void)
{
	/* Start from a known place. */
	CHECK_EQ(chdir("/"), 0);
	CHECK_STREQ(cwd(), "/");
	CHECK_EQ(RAW(SYS_getcwd, buf, sizeof(buf)), 2);

	CHECK_EQ(chdir("/usr"), 0);
	CHECK_STREQ(cwd(), "/usr");
	CHECK_EQ(RAW(SYS_getcwd, buf, sizeof(buf)), 5);
	/* Relative chdir. */
	CHECK_EQ(chdir("share"), 0);
	CHECK_STREQ(cwd(), "/usr/share");
	CHECK_EQ(chdir(".."), 0);
	CHECK_STREQ(cwd(), "/usr");
	CHECK_EQ(chdir("./lib/../bin/."), 0);
	CHECK_STREQ(cwd(), "/usr/bin");
	CHECK_EQ(chdir("../.."), 0);
	CHECK_STREQ(cwd(), "/");
	/* ".." of / is /. */
	CHECK_EQ(chdir(".."), 0);
	CHECK_STREQ(cwd(), "/");
	/* Symlinks are resolved: getcwd shows the real path. */
	struct stat st;
	ASSERT_OK(lstat("/bin", &st));
	if (S_ISLNK(st.st_mode)) {
		CHECK_EQ(chdir("/bin"), 0);
		CHECK_STREQ(cwd(), "/usr/bin");
		CHECK_EQ(chdir("/"), 0);
	}
	/* Relative opens follow the cwd. */
	CHECK_EQ(chdir("/etc"), 0);
	int fd;
	ASSERT_OK(fd = open("passwd", O_RDONLY));
	close(fd);

	/* ERANGE: a buffer too small for the path and NUL. */
	CHECK_EQ(chdir("/usr"), 0);
	CHECK_ERRNO(RAW(SYS_getcwd, buf, 4), -1, ERANGE);
	CHECK_ERRNO(RAW(SYS_getcwd, buf, 1), -1, ERANGE);
	CHECK_EQ(RAW(SYS_getcwd, buf, 5), 5);
	CHECK_STREQ(buf, "/usr");
	CHECK_ERRNO(RAW(SYS_getcwd, buf, 0), -1, ERANGE);
	CHECK_ERRNO(RAW(SYS_getcwd, (void *)8, sizeof(buf)), -1, EFAULT);
	/* The libc wrapper with a small buffer: NULL and ERANGE. */
	char small[3];
	errno = 0;
	char *r = getcwd(small, sizeof(small));
	int e = errno;
	CHECK_EQ(r, NULL);
	CHECK_EQ(e, ERANGE);

	/* chdir errors leave the cwd alone. */
	CHECK_ERRNO(chdir("/no-such-moat"), -1, ENOENT);
	CHECK_ERRNO(chdir(""), -1, ENOENT);
	CHECK_ERRNO(chdir("/etc/passwd"), -1, ENOTDIR);
	CHECK_ERRNO(chdir("/etc/passwd/x"), -1, ENOTDIR);
	CHECK_ERRNO(RAW(SYS_chdir, (void *)8), -1, EFAULT);
	CHECK_STREQ(cwd(), "/usr");

	/* fchdir to a directory fd, and errors. */
	int dfd, ffd;
	ASSERT_OK(dfd = open("/etc", O_RDONLY | O_DIRECTORY));
	CHECK_EQ(fchdir(dfd), 0);
	CHECK_STREQ(cwd(), "/etc");
	ASSERT_OK(ffd = open("/etc/passwd", O_RDONLY));
	CHECK_ERRNO(fchdir(ffd), -1, ENOTDIR);
	CHECK_ERRNO(fchdir(-1), -1, EBADF);
	CHECK_ERRNO(fchdir(9999), -1, EBADF);
	CHECK_STREQ(cwd(), "/etc");
	/* An O_PATH directory fd works for fchdir. */
	int pfd;
	ASSERT_OK(pfd = open("/usr/share", O_PATH | O_DIRECTORY));
	CHECK_EQ(fchdir(pfd), 0);
	CHECK_STREQ(cwd(), "/usr/share");
	close(pfd);
	close(ffd);
	close(dfd);

	/* A forked child has its own cwd. */
	pid_t pid = test_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		CHECK_STREQ(cwd(), "/usr/share");
		CHECK_EQ(chdir("/"), 0);
		child_exit();
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	CHECK_STREQ(cwd(), "/usr/share");
	return test_done();
}
