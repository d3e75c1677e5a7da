//go:build ignore

/* Writing or truncating a set-user-ID file without CAP_FSETID drops the
 * set-ID bits; with it (root), they stay. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

static mode_t mode_of(const char *p)
{
	struct stat st;
	if (stat(p, &st))
		return (mode_t)-1;
	return st.st_mode & 07777;
}

int main(void)
{
	int fd;
	setup_dir();
	ASSERT_OK(chmod(tdir, 0777));
	ASSERT_OK(fd = open("f", O_CREAT | O_RDWR, 0666));
	close(fd);
	ASSERT_OK(chmod("f", 06777));
	/* Root keeps them. */
	ASSERT_OK(fd = open("f", O_WRONLY));
	CHECK_EQ(write(fd, "x", 1), 1);
	close(fd);
	CHECK_EQ(mode_of("f"), 06777);

	pid_t pid = test_fork();
	if (pid == 0) {
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			FATAL("set ids");
		int w = open("f", O_WRONLY);
		CHECK_GE(w, 0);
		/* Nothing written: the bits stay. */
		CHECK_EQ(write(w, "", 0), 0);
		CHECK_EQ(mode_of("f"), 06777);
		CHECK_EQ(write(w, "y", 1), 1);
		CHECK_EQ(mode_of("f"), 0777);
		close(w);
		child_exit();
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);

	/* Truncation drops them too. S_ISGID without group execute goes
	 * when the caller is not in the file's group, and stays when it is. */
	ASSERT_OK(chmod("f", 06767));
	pid = test_fork();
	if (pid == 0) {
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			FATAL("set ids");
		CHECK_EQ(truncate("f", 0), 0);
		CHECK_EQ(mode_of("f"), 0767);
		child_exit();
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	ASSERT_OK(chown("f", 0, 65534));
	ASSERT_OK(chmod("f", 06767));
	pid = test_fork();
	if (pid == 0) {
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			FATAL("set ids");
		CHECK_EQ(truncate("f", 0), 0);
		CHECK_EQ(mode_of("f"), 02767);
		child_exit();
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	cleanup_dir();
	return test_done();
}
