//go:build ignore

/*
 * FIFO open semantics beyond the basics (fifo(7), open(2)): which openers
 * count as readers for O_WRONLY|O_NONBLOCK (ENXIO otherwise), POLLHUP only
 * after a writer has come and gone, blocking opens woken by a partner in
 * another process and interrupted by a signal (EINTR), O_RDWR, and flags.
 */
#include "testutil.h"
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/time.h>

static char dir[] = "/tmp/moat-ipc-XXXXXX", path[64];

static void nap_ms(int ms)
{
	struct timespec ts = {0, ms * 1000000L};
	nanosleep(&ts, NULL);
}

static short revents(int fd, short events)
{
	struct pollfd p = {fd, events, 0};
	if (poll(&p, 1, 0) < 0)
		return -1;
	return p.revents;
}

static void on_alarm(int sig) { (void)sig; }

int main(void)
{
	ASSERT_NE(mkdtemp(dir), NULL);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	ASSERT_OK(mkfifo(path, 0600));
	int r, w, rw;
	char buf[16];

	/* A reader that opened with no writer ever: nothing to report, not
	 * POLLHUP; read is EOF. */
	ASSERT_OK(r = open(path, O_RDONLY | O_NONBLOCK));
	CHECK_EQ(fcntl(r, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDONLY | O_NONBLOCK);
	CHECK_EQ(revents(r, POLLIN), 0);
	CHECK_EQ(read(r, buf, sizeof(buf)), 0);
	/* A writer comes: O_WRONLY|O_NONBLOCK works with that reader. */
	ASSERT_OK(w = open(path, O_WRONLY | O_NONBLOCK));
	CHECK_EQ(revents(r, POLLIN), 0);
	CHECK_ERRNO(read(r, buf, sizeof(buf)), -1, EAGAIN);
	CHECK_EQ(revents(w, POLLOUT), POLLOUT);
	CHECK_EQ(write(w, "ab", 2), 2);
	CHECK_EQ(revents(r, POLLIN), POLLIN);
	/* ...and goes: now POLLHUP, with the data still readable first. */
	close(w);
	CHECK_EQ(revents(r, POLLIN), POLLIN | POLLHUP);
	CHECK_EQ(read(r, buf, sizeof(buf)), 2);
	CHECK_EQ(revents(r, POLLIN), POLLHUP);
	CHECK_EQ(read(r, buf, sizeof(buf)), 0);
	close(r);
	/* Once every reader is gone, a non-blocking writer is ENXIO again. */
	CHECK_ERRNO(open(path, O_WRONLY | O_NONBLOCK), -1, ENXIO);

	/* An O_RDWR opener counts as a reader (and a writer). */
	ASSERT_OK(rw = open(path, O_RDWR | O_NONBLOCK));
	CHECK_EQ(fcntl(rw, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDWR | O_NONBLOCK);
	ASSERT_OK(w = open(path, O_WRONLY | O_NONBLOCK));
	CHECK_EQ(write(w, "xyz", 3), 3);
	CHECK_EQ(read(rw, buf, sizeof(buf)), 3);
	CHECK_MEMEQ(buf, "xyz", 3);
	/* With rw still a writer, a new reader sees no POLLHUP when w goes. */
	ASSERT_OK(r = open(path, O_RDONLY | O_NONBLOCK));
	close(w);
	CHECK_EQ(revents(r, POLLIN), 0);
	CHECK_ERRNO(read(r, buf, sizeof(buf)), -1, EAGAIN);
	/* A blocking O_RDONLY or O_WRONLY open returns at once with a
	 * partner present (rw is both). */
	int r2, w2;
	ASSERT_OK(r2 = open(path, O_RDONLY));
	ASSERT_OK(w2 = open(path, O_WRONLY));
	CHECK_EQ(write(w2, "1", 1), 1);
	CHECK_EQ(read(r2, buf, 1), 1);
	close(r2);
	close(w2);
	close(r);
	close(rw);

	/* O_TRUNC on a FIFO is ignored. */
	ASSERT_OK(rw = open(path, O_RDWR | O_TRUNC));
	close(rw);
	struct stat st;
	CHECK_OK(stat(path, &st));
	CHECK(S_ISFIFO(st.st_mode));
	CHECK_EQ(st.st_size, 0);

	/* A blocking writer open waits for a reader from another process,
	 * even one that opens O_NONBLOCK. */
	long long t0 = now_ns();
	pid_t pid = test_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		nap_ms(50);
		int fd = open(path, O_RDONLY | O_NONBLOCK);
		if (fd < 0)
			FATAL("child open: errno %d", errno);
		nap_ms(50);
		char b[4];
		CHECK_EQ(read(fd, b, sizeof(b)), 2);
		CHECK_MEMEQ(b, "hi", 2);
		close(fd);
		child_exit();
	}
	ASSERT_OK(w = open(path, O_WRONLY));
	CHECK_GE(now_ns() - t0, 40 * 1000000LL);
	CHECK_EQ(write(w, "hi", 2), 2);
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	close(w);

	/* A blocking open with no partner is interrupted by a signal whose
	 * handler has no SA_RESTART: EINTR. */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	ASSERT_OK(sigaction(SIGALRM, &sa, NULL));
	/* The timer repeats, so that an open that starts late is still
	 * interrupted. */
	struct itimerval it = {{0, 50000}, {0, 50000}}, off = {{0, 0}, {0, 0}};
	t0 = now_ns();
	ASSERT_OK(setitimer(ITIMER_REAL, &it, NULL));
	CHECK_ERRNO(open(path, O_RDONLY), -1, EINTR);
	CHECK_GE(now_ns() - t0, 40 * 1000000LL);
	CHECK_ERRNO(open(path, O_WRONLY), -1, EINTR);
	ASSERT_OK(setitimer(ITIMER_REAL, &off, NULL));
	/* The failed opens left no reader or writer behind. */
	CHECK_ERRNO(open(path, O_WRONLY | O_NONBLOCK), -1, ENXIO);
	ASSERT_OK(r = open(path, O_RDONLY | O_NONBLOCK));
	CHECK_EQ(revents(r, POLLIN), 0);
	close(r);

	unlink(path);
	rmdir(dir);
	return test_done();
}
