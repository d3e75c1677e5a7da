//go:build ignore
/*
 * A process's name (comm) after execve is the base name of the path it was
 * asked to run, truncated to 15 bytes: for a #! script, the script's name,
 * not the interpreter's (ps, top and pgrep show nginx.sh, not sh), while
 * /proc/self/exe is the interpreter. The scripts' interpreter is this test
 * program itself, which reports what it sees in "report" mode.
 */
#include "testutil.h"

#include <sys/wait.h>

static char self[4096];

/* report mode: argv = {self, "report", script}: write comm and exe. */
static int report(int fd)
{
	char comm[64], exe[4096], out[8192];
	int n = read_text("/proc/self/comm", comm, sizeof(comm));
	if (n <= 0)
		return 2;
	ssize_t m = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (m < 0)
		return 3;
	exe[m] = 0;
	int k = snprintf(out, sizeof(out), "%s|%s", comm, exe);
	return write(fd, out, k) == k ? 0 : 4;
}

/* run execs path (through execveat(dirfd, path) if dirfd >= 0) and
 * returns what the child reported, "comm\n|exe". */
static void run(int dirfd, const char *path, char *got, int size)
{
	int p[2];
	ASSERT_OK(pipe(p));
	pid_t c = fork();
	ASSERT_GE(c, 0);
	if (c == 0) {
		dup2(p[1], 100);
		char *argv[] = {(char *)path, NULL};
		char *envp[] = {NULL};
		if (dirfd >= 0)
			syscall(SYS_execveat, dirfd, path, argv, envp, 0);
		else
			execve(path, argv, envp);
		_exit(127);
	}
	close(p[1]);
	int n = 0, r;
	while (n < size - 1 && (r = read(p[0], got + n, size - 1 - n)) > 0)
		n += r;
	got[n] = 0;
	close(p[0]);
	int st;
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK_CHILD_OK(st);
}

static void write_script(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	ASSERT_GE(fd, 0);
	char buf[4200];
	int n = snprintf(buf, sizeof(buf), "#!%s report\n", self);
	ASSERT_EQ(write(fd, buf, n), n);
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "report") == 0)
		return report(100);
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	ASSERT_GT(n, 0);
	self[n] = 0;

	setup_dir();
	char path[256], want[8192], got[8192];

	/* By absolute path. */
	snprintf(path, sizeof(path), "%s/serve.sh", tdir);
	write_script(path);
	run(-1, path, got, sizeof(got));
	snprintf(want, sizeof(want), "serve.sh\n|%s", self);
	CHECK_STREQ(got, want);

	/* A long name is cut to 15 bytes. */
	snprintf(path, sizeof(path), "%s/a-rather-long-script-name", tdir);
	write_script(path);
	run(-1, path, got, sizeof(got));
	snprintf(want, sizeof(want), "a-rather-long-s\n|%s", self);
	CHECK_STREQ(got, want);

	/* execveat relative to a directory fd. */
	int dfd = open(tdir, O_RDONLY | O_DIRECTORY);
	ASSERT_GE(dfd, 0);
	run(dfd, "serve.sh", got, sizeof(got));
	snprintf(want, sizeof(want), "serve.sh\n|%s", self);
	CHECK_STREQ(got, want);
	close(dfd);

	/* A binary is named after the path too (a symlink's name). */
	snprintf(path, sizeof(path), "%s/linkname", tdir);
	ASSERT_OK(symlink(self, path));
	int p[2];
	ASSERT_OK(pipe(p));
	pid_t c = fork();
	ASSERT_GE(c, 0);
	if (c == 0) {
		dup2(p[1], 100);
		char *av[] = {path, "report", NULL};
		char *envp[] = {NULL};
		execve(path, av, envp);
		_exit(127);
	}
	close(p[1]);
	int m = read(p[0], got, sizeof(got) - 1);
	got[m > 0 ? m : 0] = 0;
	close(p[0]);
	int st;
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK_CHILD_OK(st);
	snprintf(want, sizeof(want), "linkname\n|%s", self);
	CHECK_STREQ(got, want);

	cleanup_dir();
	return test_done();
}
