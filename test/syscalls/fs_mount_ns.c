//go:build ignore

/* Mount namespaces: after unshare(CLONE_NEWNS) or clone(CLONE_NEWNS)
 * mounts made in the new namespace are invisible to the old one and the
 * reverse; earlier mounts are in both; files are shared. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sched.h>
#include <sys/mount.h>

int main(void)
{
	struct stat st;
	int fd, p2c[2], c2p[2];
	char c;
	setup_dir();
	ASSERT_OK(mkdir("a", 0755));
	ASSERT_OK(mkdir("b", 0755));
	ASSERT_OK(mkdir("shared", 0755));
	/* Work in a private namespace of our own first, so that the host's
	 * (natively) is untouched. */
	ASSERT_OK(unshare(CLONE_NEWNS));
	ASSERT_OK(mount("", "/", NULL, MS_REC | MS_PRIVATE, NULL));
	ASSERT_OK(mount("none", "shared", "tmpfs", 0, NULL));
	ASSERT_OK(fd = open("shared/before", O_CREAT | O_WRONLY, 0644));
	close(fd);
	ASSERT_OK(pipe(p2c));
	ASSERT_OK(pipe(c2p));
	pid_t pid = test_fork();
	if (pid == 0) {
		ASSERT_OK(unshare(CLONE_NEWNS));
		/* The mount made before is here too, with its files. */
		CHECK_OK(stat("shared/before", &st));
		ASSERT_OK(mount("none", "a", "tmpfs", 0, NULL));
		ASSERT_OK(fd = open("a/child", O_CREAT | O_WRONLY, 0644));
		close(fd);
		/* Files made through a shared mount are seen by both. */
		ASSERT_OK(fd = open("shared/from-child", O_CREAT | O_WRONLY, 0644));
		close(fd);
		/* Unmounting here leaves the parent's mount alone. */
		ASSERT_OK(umount("shared"));
		CHECK_ERRNO(stat("shared/before", &st), -1, ENOENT);
		ASSERT_EQ(write(c2p[1], "m", 1), 1);
		ASSERT_EQ(read(p2c[0], &c, 1), 1);
		/* The parent's later mount on b is not here. */
		CHECK_ERRNO(stat("b/parent", &st), -1, ENOENT);
		CHECK_OK(stat("a/child", &st));
		child_exit();
	}
	ASSERT_EQ(read(c2p[0], &c, 1), 1);
	CHECK_ERRNO(stat("a/child", &st), -1, ENOENT);
	CHECK_OK(stat("shared/before", &st));
	CHECK_OK(stat("shared/from-child", &st));
	ASSERT_OK(mount("none", "b", "tmpfs", 0, NULL));
	ASSERT_OK(fd = open("b/parent", O_CREAT | O_WRONLY, 0644));
	close(fd);
	ASSERT_EQ(write(p2c[1], "p", 1), 1);
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	/* /proc/PID/mountinfo shows each process its own namespace. */
	CHECK_OK(umount("b"));
	CHECK_OK(umount("shared"));
	/* Without CAP_SYS_ADMIN: EPERM. */
	pid = test_fork();
	if (pid == 0) {
		if (setresuid(65534, 65534, 65534))
			FATAL("setresuid");
		CHECK_ERRNO(unshare(CLONE_NEWNS), -1, EPERM);
		child_exit();
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	/* clone(CLONE_NEWNS) gives the child its own copy too. */
	pid = syscall(SYS_clone, CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0);
	if (pid == 0) {
		if (mount("none", "a", "tmpfs", 0, NULL))
			_exit(10);
		fd = open("a/cloned", O_CREAT | O_WRONLY, 0644);
		if (fd < 0)
			_exit(11);
		_exit(0);
	}
	ASSERT_GT(pid, 0);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_EXITED(status, 0);
	CHECK_ERRNO(stat("a/cloned", &st), -1, ENOENT);
	/* With CLONE_FS it makes no sense: EINVAL. */
	CHECK_ERRNO(syscall(SYS_clone, CLONE_NEWNS | CLONE_FS | SIGCHLD, 0, 0, 0, 0), -1, EINVAL);
	/* Unknown flags: EINVAL. */
	CHECK_ERRNO(unshare(0x1), -1, EINVAL);
	/* CLONE_FS and CLONE_FILES alone always work. */
	CHECK_OK(unshare(CLONE_FS | CLONE_FILES));
	cleanup_dir();
	return test_done();
}
