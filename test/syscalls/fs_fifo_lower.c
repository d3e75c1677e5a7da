//go:build ignore

/*
 * A FIFO that the sandbox did not make: build/fifo_fixture, which the
 * runner makes on the host next to this program, so that in the sandbox
 * it is in the root filesystem that the gofer serves (a FIFO in a bind
 * mount is the same). Its stat, and the FIFO semantics of fifo(7) through
 * it: a non-blocking writer with no reader fails with ENXIO, a
 * non-blocking reader opens at once and reads EOF, data passes between
 * the ends in order, blocking opens in two processes meet, O_RDWR never
 * waits, and what is written stays in the pipe only while an end is
 * open. Natively the host's FIFO does all this; in the sandbox the
 * sentry's pipe must, as for a FIFO on tmpfs.
 */
#include "testutil.h"
#include <fcntl.h>
#include <libgen.h>
#include <sys/stat.h>
#include <sys/wait.h>

static char path[4096];

int main(void)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	ASSERT_GT(n, 0);
	exe[n] = 0;
	snprintf(path, sizeof(path), "%s/fifo_fixture", dirname(exe));

	struct stat st;
	ASSERT_OK(stat(path, &st));
	CHECK(S_ISFIFO(st.st_mode));
	CHECK_EQ(st.st_size, 0);

	/* No reader: a non-blocking writer fails. */
	CHECK_ERRNO(open(path, O_WRONLY | O_NONBLOCK), -1, ENXIO);

	/* A non-blocking reader opens at once; with no writer, EOF. */
	int r = open(path, O_RDONLY | O_NONBLOCK);
	ASSERT_GE(r, 0);
	char buf[64];
	CHECK_EQ(read(r, buf, sizeof(buf)), 0);
	int w = open(path, O_WRONLY | O_NONBLOCK);
	ASSERT_GE(w, 0);
	CHECK_EQ(write(w, "first", 5), 5);
	CHECK_EQ(write(w, "second", 6), 6);
	CHECK_EQ(read(r, buf, sizeof(buf)), 11);
	CHECK(memcmp(buf, "firstsecond", 11) == 0);
	/* A reader with the writer open and nothing written: EAGAIN. */
	CHECK_ERRNO(read(r, buf, sizeof(buf)), -1, EAGAIN);
	CHECK_OK(fstat(w, &st));
	CHECK(S_ISFIFO(st.st_mode));
	CHECK_OK(close(w));
	CHECK_EQ(read(r, buf, sizeof(buf)), 0);
	CHECK_OK(close(r));

	/* Blocking opens in two processes meet. */
	pid_t pid = test_fork();
	if (pid == 0) {
		int cw = open(path, O_WRONLY);
		CHECK_GE(cw, 0);
		CHECK_EQ(write(cw, "from child", 10), 10);
		close(cw);
		child_exit();
	}
	r = open(path, O_RDONLY);
	ASSERT_GE(r, 0);
	size_t got = 0;
	while (got < 10) {
		ssize_t k = read(r, buf + got, sizeof(buf) - got);
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	CHECK_EQ(got, 10);
	CHECK(memcmp(buf, "from child", 10) == 0);
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	CHECK_EQ(read(r, buf, sizeof(buf)), 0);
	CHECK_OK(close(r));

	/* O_RDWR does not wait, and is a reader and a writer. */
	int rw = open(path, O_RDWR);
	ASSERT_GE(rw, 0);
	CHECK_EQ(write(rw, "loop", 4), 4);
	w = open(path, O_WRONLY | O_NONBLOCK);
	CHECK_GE(w, 0);
	CHECK_EQ(read(rw, buf, sizeof(buf)), 4);
	CHECK(memcmp(buf, "loop", 4) == 0);
	/* Data left when the last end closes is gone. */
	CHECK_EQ(write(w, "lost", 4), 4);
	CHECK_OK(close(w));
	CHECK_OK(close(rw));
	r = open(path, O_RDONLY | O_NONBLOCK);
	ASSERT_GE(r, 0);
	CHECK_EQ(read(r, buf, sizeof(buf)), 0);
	CHECK_OK(close(r));
	return test_done();
}
