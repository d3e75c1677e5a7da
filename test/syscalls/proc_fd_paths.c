//go:build ignore

/* /proc/self/fd links and /proc/self/cwd follow renames of files made in
 * /tmp. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

static void linkis(int fd, const char *suffix)
{
	char lnk[64], target[512];
	snprintf(lnk, sizeof(lnk), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(lnk, target, sizeof(target) - 1);
	if (n < 0) {
		FAIL("readlink %s: errno %d", lnk, errno);
		return;
	}
	target[n] = 0;
	size_t ls = strlen(suffix);
	if ((size_t)n < ls || strcmp(target + n - ls, suffix) != 0)
		FAIL("%s -> %s, want suffix %s", lnk, target, suffix);
	if (strncmp(target, tdir, strlen(tdir)) != 0)
		FAIL("%s -> %s, want prefix %s", lnk, target, tdir);
}

int main(void)
{
	int fd, dfd;
	setup_dir();
	ASSERT_OK(mkdir("a", 0755));
	ASSERT_OK(fd = open("a/f", O_CREAT | O_RDWR, 0644));
	ASSERT_OK(dfd = open("a", O_RDONLY | O_DIRECTORY));
	linkis(fd, "/a/f");
	linkis(dfd, "/a");
	CHECK_OK(rename("a/f", "a/g"));
	linkis(fd, "/a/g");
	CHECK_OK(rename("a", "b"));
	linkis(fd, "/b/g");
	linkis(dfd, "/b");
	/* The cwd too. */
	CHECK_OK(chdir("b"));
	char cwd[512];
	ssize_t n = readlink("/proc/self/cwd", cwd, sizeof(cwd) - 1);
	CHECK_GT(n, 0);
	if (n > 0) {
		cwd[n] = 0;
		CHECK(strlen(cwd) >= 2 && strcmp(cwd + strlen(cwd) - 2, "/b") == 0);
	}
	CHECK_OK(chdir(tdir));
	/* Unlinked: " (deleted)". */
	CHECK_OK(unlink("b/g"));
	linkis(fd, "/b/g (deleted)");
	close(fd);
	close(dfd);
	cleanup_dir();
	return test_done();
}
