//go:build ignore

/*
 * execveat: AT_EMPTY_PATH on a descriptor of the program (O_RDONLY, O_PATH
 * and O_CLOEXEC ones), a path relative to a directory descriptor, an
 * absolute path ignoring dirfd, AT_SYMLINK_NOFOLLOW on a symlink (ELOOP),
 * and errors: an empty path without AT_EMPTY_PATH (ENOENT), unknown flags
 * (EINVAL), a bad dirfd (EBADF), a dirfd that is not a directory
 * (ENOTDIR). In the new image, close-on-exec descriptors are closed and
 * the others stay open.
 */
#include "testutil.h"
#include <fcntl.h>
#include <limits.h>

static char self[PATH_MAX];

static int child_main(int argc, char **argv)
{
	/* argv[2]: fd that must be closed; argv[3]: fd that must be open. */
	if (argc != 4)
		return 40;
	int closed = atoi(argv[2]), open_ = atoi(argv[3]);
	if (closed >= 0 && fcntl(closed, F_GETFD) != -1)
		return 41;
	if (open_ >= 0 && fcntl(open_, F_GETFD) != 0)
		return 42;
	return 43;
}

/* run forks, calls execveat in the child, and returns its wait status, or
 * -errno if execveat failed. */
static int run(int dirfd, const char *path, int flags, int closed, int open_)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0)
		FATAL("pipe2: errno %d", errno);
	pid_t pid = test_fork();
	if (pid == 0) {
		char a2[16], a3[16];
		snprintf(a2, sizeof(a2), "%d", closed);
		snprintf(a3, sizeof(a3), "%d", open_);
		char *args[] = { "proc_execveat", "child", a2, a3, NULL };
		char *env[] = { NULL };
		RAW(SYS_execveat, dirfd, path, args, env, flags);
		int e = errno;
		if (write(p[1], &e, sizeof(e)) != sizeof(e))
			_exit(99);
		_exit(98);
	}
	close(p[1]);
	int e = 0;
	ssize_t n = read(p[0], &e, sizeof(e));
	close(p[0]);
	int st;
	if (waitpid(pid, &st, 0) != pid)
		FATAL("waitpid: errno %d", errno);
	return n == sizeof(e) ? -e : st;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "child") == 0)
		return child_main(argc, argv);
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	ASSERT_GT(n, 0);
	self[n] = 0;
	int st;

	/* AT_EMPTY_PATH on a plain descriptor, with a close-on-exec fd and a
	 * plain one to check in the new image. */
	int fd = open(self, O_RDONLY);
	ASSERT_OK(fd);
	int ce = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int keep = open("/dev/null", O_RDONLY);
	ASSERT_OK(ce);
	ASSERT_OK(keep);
	st = run(fd, "", AT_EMPTY_PATH, ce, keep);
	CHECK_EXITED(st, 43);
	/* The same descriptor close-on-exec: an ELF still runs. */
	int fdc = open(self, O_RDONLY | O_CLOEXEC);
	ASSERT_OK(fdc);
	st = run(fdc, "", AT_EMPTY_PATH, fdc, keep);
	CHECK_EXITED(st, 43);
	/* O_PATH works too. */
	int fdp = open(self, O_PATH);
	ASSERT_OK(fdp);
	st = run(fdp, "", AT_EMPTY_PATH, -1, fdp);
	CHECK_EXITED(st, 43);

	/* Relative to a directory descriptor; absolute ignores dirfd. */
	char dir[PATH_MAX];
	strcpy(dir, self);
	char *slash = strrchr(dir, '/');
	ASSERT_NE(slash, NULL);
	*slash = 0;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	ASSERT_OK(dfd);
	st = run(dfd, slash + 1, 0, -1, dfd);
	CHECK_EXITED(st, 43);
	st = run(fd, self, 0, -1, -1); /* fd is not a directory, but unused */
	CHECK_EXITED(st, 43);
	st = run(AT_FDCWD, self, 0, -1, -1);
	CHECK_EXITED(st, 43);

	/* A symlink to the program: followed, unless AT_SYMLINK_NOFOLLOW. */
	char link[] = "/tmp/proc_execveat_XXXXXX";
	ASSERT_NE(mkdtemp(link), NULL);
	int ldir = open(link, O_RDONLY | O_DIRECTORY);
	ASSERT_OK(ldir);
	CHECK_OK(symlinkat(self, ldir, "prog"));
	st = run(ldir, "prog", 0, -1, -1);
	CHECK_EXITED(st, 43);
	CHECK_EQ(run(ldir, "prog", AT_SYMLINK_NOFOLLOW, -1, -1), -ELOOP);

	/* Errors. */
	CHECK_EQ(run(fd, "", 0, -1, -1), -ENOENT);
	CHECK_EQ(run(dfd, slash + 1, 0x4000, -1, -1), -EINVAL);
	/* An empty path fails before the flags are looked at. */
	CHECK_EQ(run(fd, "", 0x4000, -1, -1), -ENOENT);
	CHECK_EQ(run(12345, "prog", 0, -1, -1), -EBADF);
	CHECK_EQ(run(fd, "prog", 0, -1, -1), -ENOTDIR);
	CHECK_EQ(run(ldir, "missing", 0, -1, -1), -ENOENT);
	/* A directory descriptor with AT_EMPTY_PATH: not executable. */
	CHECK_EQ(run(dfd, "", AT_EMPTY_PATH, -1, -1), -EACCES);

	CHECK_OK(unlinkat(ldir, "prog", 0));
	CHECK_OK(rmdir(link));
	return test_done();
}
