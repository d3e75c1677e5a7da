//go:build ignore

/* Extended attribute limits on tmpfs: name length (ERANGE past 255), empty
 * names, value size (E2BIG past 64 KiB), user.* only on files and
 * directories (EPERM on FIFOs), trusted.* for CAP_SYS_ADMIN, permissions,
 * and list sizes. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/xattr.h>

int main(void)
{
	char name[300], buf[1024];
	static char big[65537];
	int fd;
	setup_dir();
	ASSERT_OK(chmod(tdir, 0755));
	ASSERT_OK(unshare(CLONE_NEWNS));
	ASSERT_OK(mount("", "/", NULL, MS_REC | MS_PRIVATE, NULL));
	ASSERT_OK(mount("none", tdir, "tmpfs", 0, "mode=0777"));
	ASSERT_OK(chdir(tdir));
	ASSERT_OK(fd = open("f", O_CREAT | O_RDWR, 0666));
	ASSERT_OK(fchmod(fd, 0666));
	/* Names: up to 255 bytes. */
	memset(name, 'n', sizeof(name));
	memcpy(name, "user.", 5);
	name[255] = 0;
	CHECK_OK(setxattr("f", name, "v", 1, 0));
	CHECK_EQ(getxattr("f", name, buf, sizeof(buf)), 1);
	name[255] = 'n';
	name[256] = 0;
	CHECK_ERRNO(setxattr("f", name, "v", 1, 0), -1, ERANGE);
	CHECK_ERRNO(getxattr("f", name, buf, sizeof(buf)), -1, ERANGE);
	CHECK_ERRNO(setxattr("f", "", "v", 1, 0), -1, ERANGE);
	CHECK_ERRNO(setxattr("f", "user.", "v", 1, 0), -1, EINVAL);
	/* Values: up to 64 KiB. */
	CHECK_OK(setxattr("f", "user.big", big, 65536, 0));
	CHECK_EQ(getxattr("f", "user.big", NULL, 0), 65536);
	CHECK_ERRNO(setxattr("f", "user.big", big, 65537, 0), -1, E2BIG);
	CHECK_ERRNO(getxattr("f", "user.big", buf, sizeof(buf)), -1, ERANGE);
	/* Both flags at once: each applies (no such name: ENODATA). */
	CHECK_ERRNO(setxattr("f", "user.x", "v", 1, XATTR_CREATE | XATTR_REPLACE), -1, ENODATA);
	CHECK_ERRNO(setxattr("f", "user.x", "v", 1, 4), -1, EINVAL);
	/* user.* is for regular files and directories only. */
	ASSERT_OK(mkfifo("fifo", 0666));
	CHECK_ERRNO(setxattr("fifo", "user.x", "v", 1, 0), -1, EPERM);
	CHECK_ERRNO(getxattr("fifo", "user.x", buf, sizeof(buf)), -1, ENODATA);
	ASSERT_OK(mkdir("d", 0777));
	CHECK_OK(setxattr("d", "user.x", "v", 1, 0));
	/* trusted.* for root; other users neither see nor set it. */
	CHECK_OK(setxattr("f", "trusted.t", "tv", 2, 0));
	CHECK_EQ(getxattr("f", "trusted.t", buf, sizeof(buf)), 2);
	ssize_t all = listxattr("f", buf, sizeof(buf));
	CHECK_GT(all, 0);
	pid_t pid = test_fork();
	if (pid == 0) {
		if (setresuid(65534, 65534, 65534))
			FATAL("setresuid");
		CHECK_ERRNO(getxattr("f", "trusted.t", buf, sizeof(buf)), -1, ENODATA);
		CHECK_ERRNO(setxattr("f", "trusted.u", "v", 1, 0), -1, EPERM);
		ssize_t n = listxattr("f", buf, sizeof(buf));
		CHECK_EQ(n, all - (ssize_t)sizeof("trusted.t"));
		/* user.* needs write permission to set and read to get. */
		CHECK_OK(setxattr("f", "user.other", "v", 1, 0));
		child_exit();
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	ASSERT_OK(chmod("f", 0600));
	pid = test_fork();
	if (pid == 0) {
		if (setresuid(65534, 65534, 65534))
			FATAL("setresuid");
		CHECK_ERRNO(setxattr("f", "user.other", "w", 1, 0), -1, EACCES);
		CHECK_ERRNO(getxattr("f", "user.other", buf, sizeof(buf)), -1, EACCES);
		child_exit();
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	/* The list: size 0 asks for the size; too small is ERANGE. */
	ssize_t need = listxattr("f", NULL, 0);
	CHECK_GT(need, 0);
	CHECK_ERRNO(listxattr("f", buf, 1), -1, ERANGE);
	CHECK_ERRNO(removexattr("f", "user.nope"), -1, ENODATA);
	CHECK_OK(fremovexattr(fd, "user.big"));
	CHECK_EQ(listxattr("f", NULL, 0), need - (ssize_t)sizeof("user.big"));
	close(fd);
	ASSERT_OK(chdir("/"));
	ASSERT_OK(umount(tdir));
	cleanup_dir();
	return test_done();
}
