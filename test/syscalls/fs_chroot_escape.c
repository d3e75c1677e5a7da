//go:build ignore

/* chroot: only CAP_SYS_CHROOT may; .. stops at the new root, even in a
 * walk that started outside it; descriptors opened before still reach
 * outside (fchdir escapes, as on Linux); /proc/PID/root names the new
 * root. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	struct stat st;
	int fd, out;
	setup_dir();
	ASSERT_OK(mkdir("jail", 0755));
	ASSERT_OK(mkdir("jail/sub", 0755));
	ASSERT_OK(fd = open("jail/inside", O_CREAT | O_WRONLY, 0644));
	close(fd);
	ASSERT_OK(fd = open("outside", O_CREAT | O_WRONLY, 0644));
	close(fd);
	ASSERT_OK(fd = open("f", O_CREAT | O_WRONLY, 0644));
	close(fd);
	ASSERT_OK(chmod(tdir, 0755));
	CHECK_ERRNO(chroot("f"), -1, ENOTDIR);
	CHECK_ERRNO(chroot("nope"), -1, ENOENT);
	pid_t pid = test_fork();
	if (pid == 0) {
		if (setresuid(65534, 65534, 65534))
			FATAL("setresuid");
		CHECK_ERRNO(chroot("jail"), -1, EPERM);
		child_exit();
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);

	pid = test_fork();
	if (pid == 0) {
		ASSERT_OK(out = open(".", O_RDONLY | O_DIRECTORY));
		ASSERT_OK(chroot("jail"));
		ASSERT_OK(chdir("/"));
		CHECK_OK(stat("/inside", &st));
		CHECK_OK(stat("/../../inside", &st));
		CHECK_OK(stat("sub/../../inside", &st));
		CHECK_ERRNO(stat("/outside", &st), -1, ENOENT);
		CHECK_ERRNO(stat("../outside", &st), -1, ENOENT);
		/* An absolute symlink resolves in the new root. */
		ASSERT_OK(symlink("/inside", "/abs"));
		CHECK_OK(stat("/abs", &st));
		/* A descriptor from before the chroot reaches outside; but a
		 * walk from it that enters the new root stops there at "..". */
		CHECK_OK(fstatat(out, "outside", &st, 0));
		CHECK_ERRNO(fstatat(out, "jail/../outside", &st, 0), -1, ENOENT);
		CHECK_OK(fstatat(out, "jail/../inside", &st, 0));
		/* fchdir to it leaves the jail's view for relative paths. */
		ASSERT_OK(fchdir(out));
		CHECK_OK(stat("outside", &st));
		CHECK_OK(stat("../", &st));
		/* Absolute paths still start at the new root. */
		CHECK_ERRNO(stat("/outside", &st), -1, ENOENT);
		/* /proc is not mounted in the jail, but chroot again into a
		 * subdirectory works from there. */
		ASSERT_OK(chdir("/"));
		ASSERT_OK(chroot("sub"));
		CHECK_ERRNO(stat("/inside", &st), -1, ENOENT);
		child_exit();
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	/* /proc/PID/root of a chrooted process names its root. */
	int p[2];
	char c;
	ASSERT_OK(pipe(p));
	pid = test_fork();
	if (pid == 0) {
		ASSERT_OK(chroot("jail"));
		ASSERT_EQ(write(p[1], "x", 1), 1);
		pause();
		_exit(0);
	}
	ASSERT_EQ(read(p[0], &c, 1), 1);
	char link[64], target[256], want[256];
	snprintf(link, sizeof(link), "/proc/%d/root", pid);
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	CHECK_GT(n, 0);
	if (n > 0) {
		target[n] = 0;
		snprintf(want, sizeof(want), "%s/jail", tdir);
		CHECK_STREQ(target, want);
	}
	char path[300];
	snprintf(path, sizeof(path), "/proc/%d/root/inside", pid);
	CHECK_OK(stat(path, &st));
	kill(pid, SIGKILL);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	cleanup_dir();
	return test_done();
}
