//go:build ignore

/* tee(2): copies the data of one pipe into another without consuming it;
 * errors for non-pipes, the same pipe, wrong ends; SPLICE_F_NONBLOCK. */
#include "testutil.h"
#include <fcntl.h>
#include <sys/ioctl.h>

int main(void)
{
	int a[2], b[2], c[2];
	char buf[64];
	ASSERT_OK(pipe(a));
	ASSERT_OK(pipe(b));
	ASSERT_OK(pipe(c));

	CHECK_EQ(write(a[1], "hello world", 11), 11);
	/* Copies, leaving the source intact. */
	CHECK_EQ(tee(a[0], b[1], 5, 0), 5);
	CHECK_EQ(tee(a[0], c[1], 100, 0), 11);
	int n = 0;
	CHECK_OK(ioctl(a[0], FIONREAD, &n));
	CHECK_EQ(n, 11);
	CHECK_EQ(read(b[0], buf, sizeof(buf)), 5);
	CHECK_MEMEQ(buf, "hello", 5);
	CHECK_EQ(read(c[0], buf, sizeof(buf)), 11);
	CHECK_MEMEQ(buf, "hello world", 11);
	/* A tee after a partial read starts at the new front. */
	CHECK_EQ(read(a[0], buf, 6), 6);
	CHECK_EQ(tee(a[0], b[1], 100, 0), 5);
	CHECK_EQ(read(b[0], buf, sizeof(buf)), 5);
	CHECK_MEMEQ(buf, "world", 5);
	CHECK_EQ(read(a[0], buf, sizeof(buf)), 5);

	/* Length 0 is answered before anything else is looked at. */
	CHECK_EQ(tee(a[0], b[1], 0, 0), 0);
	CHECK_EQ(tee(-1, -1, 0, 0), 0);
	/* Bad descriptors and wrong ends: EBADF. */
	CHECK_ERRNO(tee(-1, b[1], 1, 0), -1, EBADF);
	CHECK_ERRNO(tee(a[0], 999, 1, 0), -1, EBADF);
	CHECK_ERRNO(tee(a[1], b[1], 1, 0), -1, EBADF);
	CHECK_ERRNO(tee(a[0], b[0], 1, 0), -1, EBADF);
	/* Unknown flags, the same pipe, or a non-pipe: EINVAL. */
	CHECK_ERRNO(tee(a[0], b[1], 1, 0x100), -1, EINVAL);
	CHECK_EQ(write(a[1], "x", 1), 1);
	CHECK_ERRNO(tee(a[0], a[1], 1, 0), -1, EINVAL);
	int fd;
	ASSERT_OK(fd = open("/dev/null", O_RDWR));
	CHECK_ERRNO(tee(a[0], fd, 1, 0), -1, EINVAL);
	CHECK_ERRNO(tee(fd, b[1], 1, 0), -1, EINVAL);
	close(fd);
	CHECK_EQ(read(a[0], buf, 1), 1);

	/* Empty source: SPLICE_F_NONBLOCK or O_NONBLOCK on either end gives
	 * EAGAIN while a writer remains. */
	CHECK_ERRNO(tee(a[0], b[1], 10, SPLICE_F_NONBLOCK), -1, EAGAIN);
	CHECK_OK(fcntl(b[1], F_SETFL, O_NONBLOCK));
	CHECK_ERRNO(tee(a[0], b[1], 10, 0), -1, EAGAIN);
	CHECK_OK(fcntl(b[1], F_SETFL, 0));

	/* A full destination: EAGAIN without blocking. */
	CHECK_EQ(write(a[1], "abc", 3), 3);
	CHECK_EQ(fcntl(b[1], F_SETPIPE_SZ, 4096), 4096);
	static char big[4096];
	CHECK_EQ(write(b[1], big, sizeof(big)), 4096);
	CHECK_ERRNO(tee(a[0], b[1], 3, SPLICE_F_NONBLOCK), -1, EAGAIN);
	while (read(b[0], big, sizeof(big)) == 4096)
		break;

	/* A blocking tee waits for data from another process. */
	pid_t pid = test_fork();
	if (pid == 0) {
		usleep(50000);
		CHECK_EQ(write(c[1], "late", 4), 4);
		child_exit();
	}
	CHECK_EQ(tee(c[0], b[1], 100, 0), 4);
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	CHECK_EQ(read(b[0], buf, sizeof(buf)), 4);
	CHECK_MEMEQ(buf, "late", 4);
	CHECK_EQ(read(c[0], buf, sizeof(buf)), 4);

	/* No writer and empty: 0, even non-blocking. */
	close(c[1]);
	CHECK_EQ(tee(c[0], b[1], 10, SPLICE_F_NONBLOCK), 0);
	/* No reader on the destination: EPIPE (SIGPIPE ignored). */
	signal(SIGPIPE, SIG_IGN);
	close(b[0]);
	CHECK_ERRNO(tee(a[0], b[1], 3, 0), -1, EPIPE);
	/* The source still holds its data. */
	CHECK_EQ(read(a[0], buf, sizeof(buf)), 3);
	CHECK_MEMEQ(buf, "abc", 3);
	return test_done();
}
