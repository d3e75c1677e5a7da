//go:build ignore

/* Programs written to /tmp run: a copied binary and a script. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

static void copy(const char *from, const char *to)
{
	int in = open(from, O_RDONLY), out = open(to, O_CREAT | O_WRONLY | O_TRUNC, 0755);
	if (in < 0 || out < 0)
		FATAL("open: errno %d", errno);
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			FATAL("write");
	close(in);
	close(out);
}

static int run(char *const argv[])
{
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		execv(argv[0], argv);
		_exit(127);
	}
	int status;
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

int main(void)
{
	setup_dir();
	char path[128];
	snprintf(path, sizeof(path), "%s/mytrue", tdir);
	copy("/bin/true", path);
	char *a1[] = {path, NULL};
	CHECK_EQ(run(a1), 0);
	/* A script with an interpreter line. */
	int fd;
	ASSERT_OK(fd = open("script", O_CREAT | O_WRONLY, 0755));
	const char *s = "#!/bin/sh\nexit 7\n";
	CHECK_EQ(write(fd, s, strlen(s)), (ssize_t)strlen(s));
	close(fd);
	snprintf(path, sizeof(path), "%s/script", tdir);
	char *a2[] = {path, NULL};
	int st = run(a2);
	CHECK_EQ(WIFEXITED(st) ? WEXITSTATUS(st) : -1, 7);
	/* Without the execute bit: EACCES. */
	ASSERT_OK(chmod("script", 0644));
	CHECK_ERRNO(execv(path, a2), -1, EACCES);
	/* A running program's file can be replaced by rename. */
	copy("/bin/true", "new");
	snprintf(path, sizeof(path), "%s/mytrue", tdir);
	CHECK_OK(rename("new", "mytrue"));
	CHECK_EQ(run(a1), 0);
	cleanup_dir();
	return test_done();
}
