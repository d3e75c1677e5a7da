//go:build ignore

/*
 * Running a program through /proc/self/exe (as busybox sh runs its
 * applets): the new image starts, and its /proc/self/exe names the real
 * file, not the link it was run by; another process reading
 * /proc/PID/exe sees the same; a forked child keeps its parent's exe.
 */
#include "testutil.h"
#include <limits.h>

static int readlink_str(const char *path, char *buf, size_t n)
{
	ssize_t r = readlink(path, buf, n - 1);
	if (r < 0)
		return -1;
	buf[r] = 0;
	return (int)r;
}

int main(int argc, char **argv)
{
	char self[PATH_MAX], got[PATH_MAX], path[64];
	if (argc == 2 && strcmp(argv[1], "child") == 0) {
		/* The re-executed image: its exe is the real file. */
		ASSERT_GE(readlink_str("/proc/self/exe", got, sizeof(got)), 1);
		if (write(3, got, strlen(got)) != (ssize_t)strlen(got))
			_exit(2);
		_exit(0);
	}
	ASSERT_GE(readlink_str("/proc/self/exe", self, sizeof(self)), 1);
	CHECK_EQ(self[0], '/');

	/* A forked child has the same exe, also as seen by its parent. */
	int p[2];
	ASSERT_OK(pipe(p));
	pid_t pid = test_fork();
	if (pid == 0) {
		char c;
		close(p[1]);
		if (read(p[0], &c, 1) < 0)
			_exit(3);
		_exit(0);
	}
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	CHECK_GE(readlink_str(path, got, sizeof(got)), 1);
	CHECK_STREQ(got, self);
	close(p[0]);
	close(p[1]);
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);

	/* exec /proc/self/exe: the child reports its exe through fd 3. */
	for (int round = 0; round < 2; round++) {
		ASSERT_OK(pipe(p));
		pid = test_fork();
		if (pid == 0) {
			close(p[0]);
			if (dup2(p[1], 3) != 3)
				_exit(4);
			char *args[] = { "proc_exe_self", "child", NULL };
			char *env[] = { NULL };
			/* Second round: a relative path through /proc. */
			if (round == 1 && chdir("/proc/self") == 0)
				execve("exe", args, env);
			else
				execve("/proc/self/exe", args, env);
			_exit(5);
		}
		close(p[1]);
		memset(got, 0, sizeof(got));
		ssize_t n = 0, r;
		while ((r = read(p[0], got + n, sizeof(got) - 1 - n)) > 0)
			n += r;
		close(p[0]);
		CHECK_EQ(waitpid(pid, &st, 0), pid);
		CHECK_CHILD_OK(st);
		CHECK_STREQ(got, self);
	}
	return test_done();
}
