//go:build ignore

/* Directory permissions: write and search are needed to create, remove
 * and rename; search to reach what is inside. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	int fd;
	setup_dir();
	ASSERT_OK(chmod(tdir, 0755));
	ASSERT_OK(mkdir("ro", 0555));
	ASSERT_OK(chmod("ro", 0555));
	ASSERT_OK(mkdir("nox", 0766));
	ASSERT_OK(chmod("nox", 0766));
	ASSERT_OK(mkdir("rw", 0777));
	ASSERT_OK(chmod("rw", 0777));
	ASSERT_OK(fd = open("ro/f", O_CREAT | O_WRONLY, 0666));
	close(fd);
	ASSERT_OK(chmod("ro/f", 0666));
	ASSERT_OK(fd = open("nox/f", O_CREAT | O_WRONLY, 0666));
	close(fd);
	ASSERT_OK(fd = open("rw/mine", O_CREAT | O_WRONLY, 0644));
	close(fd);

	pid_t pid = test_fork();
	if (pid == 0) {
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			FATAL("set ids");
		/* No write permission on the directory. */
		CHECK_ERRNO(open("ro/new", O_CREAT | O_WRONLY, 0644), -1, EACCES);
		CHECK_ERRNO(mkdir("ro/d", 0755), -1, EACCES);
		CHECK_ERRNO(unlink("ro/f"), -1, EACCES);
		CHECK_ERRNO(rename("ro/f", "rw/f"), -1, EACCES);
		CHECK_ERRNO(symlink("x", "ro/l"), -1, EACCES);
		CHECK_ERRNO(mknod("ro/p", S_IFIFO | 0644, 0), -1, EACCES);
		/* But the file itself may be written. */
		int w = open("ro/f", O_WRONLY | O_TRUNC);
		CHECK_GE(w, 0);
		close(w);
		/* No search permission: nothing inside is reachable. */
		struct stat st;
		CHECK_ERRNO(stat("nox/f", &st), -1, EACCES);
		CHECK_ERRNO(open("nox/new", O_CREAT | O_WRONLY, 0644), -1, EACCES);
		CHECK_ERRNO(chdir("nox"), -1, EACCES);
		/* Reading a directory needs read permission. */
		int dd = open("nox", O_RDONLY | O_DIRECTORY);
		CHECK_GE(dd, 0);
		close(dd);
		/* A writable directory: files of others can be removed. */
		CHECK_EQ(unlink("rw/mine"), 0);
		CHECK_EQ(mkdir("rw/d", 0755), 0);
		CHECK_EQ(rename("rw/d", "rw/d2"), 0);
		CHECK_EQ(rmdir("rw/d2"), 0);
		child_exit();
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	cleanup_dir();
	return test_done();
}
