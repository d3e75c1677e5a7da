//go:build ignore

/* umask applies to every kind of file a call creates. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	struct stat st;
	int fd;
	setup_dir();
	umask(0027);
	ASSERT_OK(fd = open("f", O_CREAT | O_WRONLY, 0777));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_mode & 07777, 0750);
	close(fd);
	CHECK_EQ(mkdir("d", 0777), 0);
	CHECK_OK(stat("d", &st));
	CHECK_EQ(st.st_mode & 07777, 0750);
	CHECK_EQ(mknod("p", S_IFIFO | 0666, 0), 0);
	CHECK_OK(stat("p", &st));
	CHECK_EQ(st.st_mode & 07777, 0640);
	/* Symlinks are always 0777. */
	CHECK_EQ(symlink("f", "l"), 0);
	CHECK_OK(lstat("l", &st));
	CHECK_EQ(st.st_mode & 07777, 0777);
	/* chmod ignores the umask. */
	CHECK_EQ(chmod("f", 0777), 0);
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_mode & 07777, 0777);
	/* umask returns the previous mask and keeps 0777 only. */
	CHECK_EQ(umask(0), 0027);
	CHECK_EQ(umask(07777), 0);
	CHECK_EQ(umask(022), 0777);
	/* A forked child inherits the mask. */
	umask(0077);
	pid_t pid = test_fork();
	if (pid == 0) {
		int f = open("c", O_CREAT | O_WRONLY, 0666);
		struct stat s;
		CHECK_OK(fstat(f, &s));
		CHECK_EQ(s.st_mode & 07777, 0600);
		child_exit();
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	cleanup_dir();
	return test_done();
}
