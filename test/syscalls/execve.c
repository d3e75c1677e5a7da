//go:build ignore

/*
 * execve: running /bin/true and /bin/false, re-executing this program with
 * chosen argv and envp, close-on-exec, and errors (ENOENT, EACCES, ENOTDIR,
 * EFAULT). Built static too.
 */
#include "testutil.h"
#include <fcntl.h>
#include <signal.h>

extern char **environ;

/* The re-executed program: check argv, envp and fds, exit 42 if all held. */
static int child_main(int argc, char **argv)
{
	CHECK_EQ(argc, 4);
	CHECK_STREQ(argv[1], "--exec-child");
	CHECK_STREQ(argv[2], "two words");
	CHECK_STREQ(argv[3], "");
	CHECK_EQ(argv[4], NULL);
	int n = 0;
	for (char **e = environ; *e; e++)
		n++;
	CHECK_EQ(n, 3);
	CHECK_STREQ(getenv("MOAT_A"), "1");
	CHECK_STREQ(getenv("MOAT_B"), "x=y");
	/* fd 10 was close-on-exec: gone. fd 11 was not: still open at offset 5. */
	CHECK_ERRNO(fcntl(10, F_GETFD), -1, EBADF);
	CHECK_EQ(fcntl(11, F_GETFD), 0);
	CHECK_EQ(lseek(11, 0, SEEK_CUR), 5);
	/* A caught signal is reset to default by exec; an ignored one stays ignored. */
	struct sigaction sa;
	CHECK_EQ(sigaction(SIGUSR1, NULL, &sa), 0);
	CHECK_EQ(sa.sa_handler, SIG_DFL);
	CHECK_EQ(sigaction(SIGUSR2, NULL, &sa), 0);
	CHECK_EQ(sa.sa_handler, SIG_IGN);
	/* The blocked mask survives exec. */
	sigset_t set;
	CHECK_EQ(sigprocmask(SIG_BLOCK, NULL, &set), 0);
	CHECK_EQ(sigismember(&set, SIGHUP), 1);
	return tu_failures ? 1 : 42;
}

static void on_usr1(int sig)
{
	(void)sig;
}

/* run forks, execs path with argv/envp in the child, and returns its status. */
static int run(const char *path, char *const argv[], char *const envp[], int *exec_errno)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0)
		FATAL("pipe2: errno %d", errno);
	pid_t pid = fork();
	if (pid < 0)
		FATAL("fork: errno %d", errno);
	if (pid == 0) {
		RAW(SYS_execve, path, argv, envp);
		int e = errno;
		if (write(p[1], &e, sizeof(e)) < 0) {
		}
		_exit(127);
	}
	close(p[1]);
	*exec_errno = 0;
	/* EOF (from close-on-exec) means the exec succeeded. */
	ssize_t n = read(p[0], exec_errno, sizeof(*exec_errno));
	if (n != 0 && n != sizeof(*exec_errno))
		FAIL("read from exec pipe: %zd", n);
	close(p[0]);
	int status;
	if (waitpid(pid, &status, 0) != pid)
		FATAL("waitpid: errno %d", errno);
	return status;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--exec-child") == 0)
		return child_main(argc, argv);

	char *envp[] = { "MOAT_A=1", "MOAT_B=x=y", "MOAT_KEEP_SIGNALS=1", NULL };
	char *noenv[] = { NULL };
	int e, status;

	/* /bin/true and /bin/false. */
	char *targv[] = { "true", NULL };
	status = run("/bin/true", targv, noenv, &e);
	CHECK_EQ(e, 0);
	CHECK_EXITED(status, 0);
	char *fargv[] = { "false", NULL };
	status = run("/bin/false", fargv, noenv, &e);
	CHECK_EQ(e, 0);
	CHECK_EXITED(status, 1);
	/* Through a symlinked path (/bin/sh), with arguments. */
	char *shargv[] = { "sh", "-c", "exit 7", NULL };
	status = run("/bin/sh", shargv, noenv, &e);
	CHECK_EQ(e, 0);
	CHECK_EXITED(status, 7);
	/* The shell sees the environment we passed. */
	char *shenv[] = { "sh", "-c", "test \"$MOAT_B\" = x=y && exit 8", NULL };
	status = run("/bin/sh", shenv, envp, &e);
	CHECK_EQ(e, 0);
	CHECK_EXITED(status, 8);

	/* Re-exec this program, by the path in argv[0] made absolute (the
	 * runner gives an absolute path; /proc/self/exe may not exist). */
	static char self[4096];
	if (argv[0][0] == '/') {
		snprintf(self, sizeof(self), "%s", argv[0]);
	} else if (strchr(argv[0], '/') != NULL && getcwd(self, sizeof(self) / 2) != NULL) {
		strcat(self, "/");
		strncat(self, argv[0], sizeof(self) / 2 - 2);
	}
	if (self[0] != '/') {
		FAIL("cannot find this program from argv[0] %s; run it by its path", argv[0]);
	} else {
		int fd10, fd11;
		ASSERT_OK(fd10 = open("/etc/passwd", O_RDONLY | O_CLOEXEC));
		ASSERT_OK(fd11 = open("/etc/passwd", O_RDONLY));
		CHECK_EQ(dup3(fd10, 10, O_CLOEXEC), 10);
		CHECK_EQ(dup2(fd11, 11), 11);
		CHECK_EQ(lseek(11, 5, SEEK_SET), 5);
		close(fd10);
		close(fd11);
		signal(SIGUSR1, on_usr1);
		signal(SIGUSR2, SIG_IGN);
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGHUP);
		CHECK_EQ(sigprocmask(SIG_BLOCK, &set, NULL), 0);
		char *cargv[] = { self, "--exec-child", "two words", "", NULL };
		status = run(self, cargv, envp, &e);
		CHECK_EQ(e, 0);
		CHECK_EXITED(status, 42);
		CHECK_EQ(sigprocmask(SIG_UNBLOCK, &set, NULL), 0);
		signal(SIGUSR1, SIG_DFL);
		signal(SIGUSR2, SIG_DFL);
		close(10);
		close(11);
	}

	/* Errors come back to the caller, which keeps running. */
	char *xargv[] = { "x", NULL };
	CHECK_ERRNO(RAW(SYS_execve, "/no-such-moat", xargv, noenv), -1, ENOENT);
	CHECK_ERRNO(RAW(SYS_execve, "/no-such-dir-moat/x", xargv, noenv), -1, ENOENT);
	CHECK_ERRNO(RAW(SYS_execve, "", xargv, noenv), -1, ENOENT);
	/* Not executable: a regular file without x bits, a directory. */
	CHECK_ERRNO(RAW(SYS_execve, "/etc/passwd", xargv, noenv), -1, EACCES);
	CHECK_ERRNO(RAW(SYS_execve, "/usr", xargv, noenv), -1, EACCES);
	CHECK_ERRNO(RAW(SYS_execve, "/dev/null", xargv, noenv), -1, EACCES);
	CHECK_ERRNO(RAW(SYS_execve, "/etc/passwd/x", xargv, noenv), -1, ENOTDIR);
	CHECK_ERRNO(RAW(SYS_execve, (void *)8, xargv, noenv), -1, EFAULT);
	CHECK_ERRNO(RAW(SYS_execve, "/bin/true", (void *)8, noenv), -1, EFAULT);
	/* execveat with AT_EMPTY_PATH on an fd of /etc/passwd: EACCES too. */
	int fd;
	ASSERT_OK(fd = open("/etc/passwd", O_RDONLY));
	CHECK_ERRNO(RAW(SYS_execveat, fd, "", xargv, noenv, AT_EMPTY_PATH), -1, EACCES);
	close(fd);
	/* The same errors through a forked child leave its exit code ours. */
	status = run("/no-such-moat", xargv, noenv, &e);
	CHECK_EQ(e, ENOENT);
	CHECK_EXITED(status, 127);
	return test_done();
}
