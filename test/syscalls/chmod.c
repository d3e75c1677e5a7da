//go:build ignore

/* chmod, fchmod, fchmodat: who may, and which bits stick. */
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
	ASSERT_OK(chmod(tdir, 0777));
	ASSERT_OK(fd = open("f", O_CREAT | O_RDWR, 0644));

	CHECK_EQ(chmod("f", 0600), 0);
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_mode, S_IFREG | 0600);
	CHECK_EQ(fchmod(fd, 04755), 0);
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_mode, S_IFREG | 04755);
	/* Only the permission bits change; extra bits are ignored. */
	CHECK_EQ(chmod("f", S_IFDIR | 0640), 0);
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_mode, S_IFREG | 0640);
	CHECK_EQ(fchmodat(AT_FDCWD, "f", 0444, 0), 0);
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_mode & 07777, 0444);
	/* Root may still write it. */
	CHECK_EQ(pwrite(fd, "x", 1, 0), 1);

	/* chmod follows symlinks. */
	ASSERT_OK(symlink("f", "l"));
	CHECK_EQ(chmod("l", 0640), 0);
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_mode & 07777, 0640);
	CHECK_OK(lstat("l", &st));
	CHECK_EQ(st.st_mode & 07777, 0777);

	/* ctime moves. */
	struct stat a, b;
	CHECK_OK(stat("f", &a));
	struct timespec ts = {0, 20000000};
	nanosleep(&ts, NULL);
	CHECK_EQ(chmod("f", 0600), 0);
	CHECK_OK(stat("f", &b));
	CHECK(b.st_ctim.tv_sec > a.st_ctim.tv_sec ||
	      (b.st_ctim.tv_sec == a.st_ctim.tv_sec && b.st_ctim.tv_nsec > a.st_ctim.tv_nsec));
	CHECK_EQ(b.st_mtim.tv_sec, a.st_mtim.tv_sec);
	CHECK_EQ(b.st_mtim.tv_nsec, a.st_mtim.tv_nsec);

	/* Errors. */
	CHECK_ERRNO(chmod("nope", 0600), -1, ENOENT);
	CHECK_ERRNO(fchmod(999, 0600), -1, EBADF);
	CHECK_ERRNO(fchmodat(AT_FDCWD, "f", 0600, 0x1234), -1, EINVAL);

	/* Directories. */
	ASSERT_OK(mkdir("d", 0755));
	CHECK_EQ(chmod("d", 01777), 0);
	CHECK_OK(stat("d", &st));
	CHECK_EQ(st.st_mode, S_IFDIR | 01777);

	/* A non-owner may not chmod; an owner not in the file's group loses
	 * S_ISGID. */
	ASSERT_OK(chown("f", 65534, 65534));
	ASSERT_OK(chmod("f", 0666));
	ASSERT_OK(fd = open("g", O_CREAT | O_RDWR, 0644));
	close(fd);
	ASSERT_OK(chown("g", 65533, 0));
	pid_t pid = test_fork();
	if (pid == 0) {
		gid_t none[1] = {65534};
		if (setgroups(1, none) || setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			FATAL("set ids: errno %d", errno);
		CHECK_ERRNO(chmod("g", 0600), -1, EPERM);
		CHECK_EQ(chmod("f", 02755), 0);
		struct stat s;
		CHECK_OK(stat("f", &s));
		CHECK_EQ(s.st_mode & 07777, 02755);
		child_exit();
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	ASSERT_OK(chown("f", 65534, 0));
	pid = test_fork();
	if (pid == 0) {
		gid_t none[1] = {65534};
		if (setgroups(1, none) || setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			FATAL("set ids: errno %d", errno);
		/* f's group is 0, which the child is not in. */
		CHECK_EQ(chmod("f", 02755), 0);
		struct stat s;
		CHECK_OK(stat("f", &s));
		CHECK_EQ(s.st_mode & 07777, 0755);
		child_exit();
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);

	cleanup_dir();
	return test_done();
}
