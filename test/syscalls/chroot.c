//go:build ignore

/* chroot: the new root bounds path lookup. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	int fd;
	setup_dir();
	ASSERT_OK(mkdir("r", 0755));
	ASSERT_OK(mkdir("r/etc", 0755));
	ASSERT_OK(fd = open("r/etc/marker", O_CREAT | O_WRONLY, 0644));
	close(fd);
	ASSERT_OK(fd = open("notdir", O_CREAT | O_WRONLY, 0644));
	close(fd);

	CHECK_ERRNO(chroot("notdir"), -1, ENOTDIR);
	CHECK_ERRNO(chroot("nope"), -1, ENOENT);

	pid_t pid = test_fork();
	if (pid == 0) {
		CHECK_EQ(chroot("r"), 0);
		CHECK_EQ(chdir("/"), 0);
		struct stat st;
		CHECK_OK(stat("/etc/marker", &st));
		CHECK_ERRNO(stat("/etc/passwd", &st), -1, ENOENT);
		/* ".." of the root is the root. */
		CHECK_OK(stat("/../../etc/marker", &st));
		char cwd[64];
		CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
		CHECK_STREQ(cwd, "/");
		child_exit();
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);

	/* Without CAP_SYS_CHROOT: EPERM. */
	ASSERT_OK(chmod(tdir, 0755));
	pid = test_fork();
	if (pid == 0) {
		if (setresuid(65534, 65534, 65534))
			FATAL("setresuid");
		CHECK_ERRNO(chroot("r"), -1, EPERM);
		child_exit();
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);

	cleanup_dir();
	return test_done();
}
