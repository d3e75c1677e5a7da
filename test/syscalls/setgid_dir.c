//go:build ignore

/* Set-group-ID directories: new files take the directory's group, and
 * new subdirectories its set-group-ID bit. */
#include "testutil.h"
#include <grp.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	struct stat st;
	int fd;
	setup_dir();
	umask(022);
	ASSERT_OK(mkdir("g", 0777));
	ASSERT_OK(chown("g", 0, 4242));
	ASSERT_OK(chmod("g", 02777));

	ASSERT_OK(fd = open("g/f", O_CREAT | O_WRONLY, 0644));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_gid, 4242);
	CHECK_EQ(st.st_mode & 07777, 0644);
	close(fd);
	CHECK_EQ(mkdir("g/sub", 0755), 0);
	CHECK_OK(stat("g/sub", &st));
	CHECK_EQ(st.st_gid, 4242);
	CHECK_EQ(st.st_mode & 07777, 02755);
	/* Nested: the bit propagates. */
	ASSERT_OK(fd = open("g/sub/deep", O_CREAT | O_WRONLY, 0644));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_gid, 4242);
	close(fd);
	CHECK_EQ(mknod("g/fifo", S_IFIFO | 0644, 0), 0);
	CHECK_OK(stat("g/fifo", &st));
	CHECK_EQ(st.st_gid, 4242);
	CHECK_EQ(symlink("f", "g/link"), 0);
	CHECK_OK(lstat("g/link", &st));
	CHECK_EQ(st.st_gid, 4242);

	/* A plain directory gives the creator's group. */
	ASSERT_OK(mkdir("p", 0777));
	ASSERT_OK(chown("p", 0, 4242));
	ASSERT_OK(fd = open("p/f", O_CREAT | O_WRONLY, 0644));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_gid, getegid());
	close(fd);

	/* A creator outside the group may not keep S_ISGID on a group
	 * executable file it creates there. */
	ASSERT_OK(chmod(tdir, 0777));
	pid_t pid = test_fork();
	if (pid == 0) {
		gid_t g = 100;
		if (setgroups(1, &g) || setresgid(100, 100, 100) || setresuid(65534, 65534, 65534))
			FATAL("set ids: errno %d", errno);
		umask(0);
		int f = open("g/x", O_CREAT | O_WRONLY, 02755);
		CHECK_GE(f, 0);
		struct stat s;
		CHECK_OK(fstat(f, &s));
		CHECK_EQ(s.st_gid, 4242);
		CHECK_EQ(s.st_mode & 07777, 0755);
		close(f);
		child_exit();
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);

	cleanup_dir();
	return test_done();
}
