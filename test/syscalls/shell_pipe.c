//go:build ignore

/*
 * A shell-like pipeline: fork + pipe + dup2 + execve("/bin/cat"), with data
 * pushed through cat and read back; then a two-stage pipeline
 * (cat | cat) and a shell running its own pipeline.
 */
#include "testutil.h"
#include <fcntl.h>
#include <signal.h>

static char *const noenv[] = { "PATH=/usr/bin:/bin", NULL };

/*
 * spawn runs argv with stdin from in and stdout to out, and every other fd
 * above 2 closed, as a shell does.
 */
static pid_t spawn(char *const argv[], int in, int out)
{
	pid_t pid = fork();
	if (pid < 0)
		FATAL("fork: errno %d", errno);
	if (pid == 0) {
		if (in != 0 && dup2(in, 0) != 0)
			_exit(120);
		if (out != 1 && dup2(out, 1) != 1)
			_exit(121);
		if (RAW(SYS_close_range, 3, ~0U, 0) != 0)
			_exit(122);
		execve(argv[0], argv, noenv);
		_exit(127);
	}
	return pid;
}

/* readall reads fd to EOF. */
static size_t readall(int fd, char *buf, size_t size)
{
	size_t got = 0;
	for (;;) {
		ssize_t n = read(fd, buf + got, size - got);
		if (n < 0) {
			FAIL("read: errno %d", errno);
			break;
		}
		if (n == 0 || got + n == size) {
			got += n;
			break;
		}
		got += n;
	}
	return got;
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	static char msg[100000], out[110000];
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = 'a' + i % 26;
	for (size_t i = 80; i < sizeof(msg); i += 81)
		msg[i] = '\n';
	int status;

	/* One stage: parent -> cat -> parent. The writer is a second child so
	 * that big data cannot deadlock. */
	int in[2], outp[2];
	ASSERT_OK(pipe(in));
	ASSERT_OK(pipe(outp));
	char *cat[] = { "/bin/cat", NULL };
	pid_t c = spawn(cat, in[0], outp[1]);
	close(in[0]);
	close(outp[1]);
	pid_t w = fork();
	ASSERT_GE(w, 0);
	if (w == 0) {
		close(outp[0]);
		size_t off = 0;
		while (off < sizeof(msg)) {
			ssize_t n = write(in[1], msg + off, sizeof(msg) - off);
			if (n <= 0)
				_exit(1);
			off += n;
		}
		_exit(0);
	}
	close(in[1]);
	size_t got = readall(outp[0], out, sizeof(out));
	close(outp[0]);
	CHECK_EQ(got, sizeof(msg));
	CHECK_MEMEQ(out, msg, sizeof(msg));
	CHECK_EQ(waitpid(w, &status, 0), w);
	CHECK_EXITED(status, 0);
	CHECK_EQ(waitpid(c, &status, 0), c);
	CHECK_EXITED(status, 0);

	/* Two stages: cat | cat, small data written by the parent. */
	int a[2], b[2], d[2];
	ASSERT_OK(pipe(a));
	ASSERT_OK(pipe(b));
	ASSERT_OK(pipe(d));
	pid_t c1 = spawn(cat, a[0], b[1]);
	pid_t c2 = spawn(cat, b[0], d[1]);
	close(a[0]);
	close(b[0]);
	close(b[1]);
	close(d[1]);
	CHECK_EQ(write(a[1], "hello\nworld\n", 12), 12);
	close(a[1]);
	got = readall(d[0], out, sizeof(out));
	CHECK_EQ(got, 12);
	CHECK_MEMEQ(out, "hello\nworld\n", 12);
	close(d[0]);
	CHECK_EQ(waitpid(c1, &status, 0), c1);
	CHECK_EXITED(status, 0);
	CHECK_EQ(waitpid(c2, &status, 0), c2);
	CHECK_EXITED(status, 0);

	/* cat of a file, to stdout redirected into our pipe. */
	int f[2];
	ASSERT_OK(pipe(f));
	char *catfile[] = { "/bin/cat", "/etc/os-release", NULL };
	int nul;
	ASSERT_OK(nul = open("/dev/null", O_RDONLY));
	c = spawn(catfile, nul, f[1]);
	close(nul);
	close(f[1]);
	got = readall(f[0], out, sizeof(out));
	close(f[0]);
	static char want[65536];
	int fd;
	ASSERT_OK(fd = open("/etc/os-release", O_RDONLY));
	ssize_t wn = read(fd, want, sizeof(want));
	close(fd);
	CHECK_EQ(got, wn);
	CHECK_MEMEQ(out, want, wn);
	CHECK_EQ(waitpid(c, &status, 0), c);
	CHECK_EXITED(status, 0);

	/* The shell builds its own pipeline; exit status of the last stage. */
	int s[2];
	ASSERT_OK(pipe(s));
	char *sh[] = { "/bin/sh", "-c", "echo one two three | cat | cat; exit 3", NULL };
	ASSERT_OK(nul = open("/dev/null", O_RDONLY));
	c = spawn(sh, nul, s[1]);
	close(nul);
	close(s[1]);
	got = readall(s[0], out, sizeof(out));
	close(s[0]);
	CHECK_EQ(got, 14);
	CHECK_MEMEQ(out, "one two three\n", 14);
	CHECK_EQ(waitpid(c, &status, 0), c);
	CHECK_EXITED(status, 3);

	/* cat of a missing file: exit 1, message on its stderr (sent to /dev/null). */
	char *catmissing[] = { "/bin/cat", "/no-such-moat", NULL };
	int devnull;
	ASSERT_OK(devnull = open("/dev/null", O_RDWR));
	c = fork();
	ASSERT_GE(c, 0);
	if (c == 0) {
		dup2(devnull, 0);
		dup2(devnull, 1);
		dup2(devnull, 2);
		execve(catmissing[0], catmissing, noenv);
		_exit(127);
	}
	close(devnull);
	CHECK_EQ(waitpid(c, &status, 0), c);
	CHECK_EXITED(status, 1);
	return test_done();
}
