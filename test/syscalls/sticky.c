//go:build ignore

/* The sticky bit: in a sticky directory only a file's owner, the
 * directory's owner or CAP_FOWNER may remove or rename it. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	int fd;
	setup_dir();
	ASSERT_OK(chmod(tdir, 0777));
	ASSERT_OK(mkdir("s", 0777));
	ASSERT_OK(chmod("s", 01777));
	ASSERT_OK(mkdir("plain", 0777));
	ASSERT_OK(chmod("plain", 0777));
	/* Files owned by root and by 65533. */
	ASSERT_OK(fd = open("s/root", O_CREAT | O_WRONLY, 0666));
	close(fd);
	ASSERT_OK(fd = open("s/other", O_CREAT | O_WRONLY, 0666));
	close(fd);
	ASSERT_OK(chown("s/other", 65533, 65533));
	ASSERT_OK(fd = open("plain/root", O_CREAT | O_WRONLY, 0666));
	close(fd);

	pid_t pid = test_fork();
	if (pid == 0) {
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			FATAL("set ids: errno %d", errno);
		/* Someone else's files: EPERM in the sticky directory. */
		CHECK_ERRNO(unlink("s/root"), -1, EPERM);
		CHECK_ERRNO(unlink("s/other"), -1, EPERM);
		CHECK_ERRNO(rename("s/root", "s/mine"), -1, EPERM);
		/* Replacing someone else's file by rename: EPERM too. */
		int f = open("s/own", O_CREAT | O_WRONLY, 0644);
		CHECK_GE(f, 0);
		close(f);
		CHECK_ERRNO(rename("s/own", "s/root"), -1, EPERM);
		/* One's own file: fine. */
		CHECK_EQ(rename("s/own", "s/own2"), 0);
		CHECK_EQ(unlink("s/own2"), 0);
		/* Without the sticky bit, write permission on the directory
		 * is enough. */
		CHECK_EQ(unlink("plain/root"), 0);
		child_exit();
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);

	/* The directory's owner may remove anything in it. */
	ASSERT_OK(chown("s", 65533, 65533));
	pid = test_fork();
	if (pid == 0) {
		if (setresgid(65533, 65533, 65533) || setresuid(65533, 65533, 65533))
			FATAL("set ids: errno %d", errno);
		CHECK_EQ(unlink("s/root"), 0);
		child_exit();
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	/* Root (CAP_FOWNER) may too. */
	CHECK_EQ(unlink("s/other"), 0);

	cleanup_dir();
	return test_done();
}
