//go:build ignore

/*
 * write and writev to a pipe and to stdout. The final "PASS\n" is itself
 * written to stdout with writev in three pieces.
 */
#include "testutil.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/uio.h>

int main(void)
{
	int p[2];
	char buf[64];
	ASSERT_OK(pipe(p));

	/* write returns the byte count; the reader sees the bytes in order. */
	CHECK_EQ(write(p[1], "hello", 5), 5);
	CHECK_EQ(write(p[1], "", 0), 0);
	CHECK_EQ(write(p[1], ", world", 7), 7);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 12);
	CHECK_MEMEQ(buf, "hello, world", 12);

	/* writev gathers in order and skips empty iovecs. */
	struct iovec iov[4] = {
		{ "ab", 2 }, { NULL, 0 }, { "cde", 3 }, { "f", 1 },
	};
	CHECK_EQ(writev(p[1], iov, 4), 6);
	CHECK_EQ(writev(p[1], iov, 0), 0);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 6);
	CHECK_MEMEQ(buf, "abcdef", 6);
	CHECK_ERRNO(RAW(SYS_writev, p[1], iov, -1), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_writev, p[1], iov, 1025), -1, EINVAL);
	/* A bad iovec base is EFAULT when nothing was written. */
	struct iovec bad = { (void *)8, 4 };
	CHECK_ERRNO(RAW(SYS_writev, p[1], &bad, 1), -1, EFAULT);
	CHECK_ERRNO(RAW(SYS_write, p[1], (void *)8, 4), -1, EFAULT);

	/* Writes to the read end and reads from the write end fail. */
	CHECK_ERRNO(write(p[0], "x", 1), -1, EBADF);
	CHECK_ERRNO(read(p[1], buf, 1), -1, EBADF);
	CHECK_ERRNO(write(-1, "x", 1), -1, EBADF);
	CHECK_ERRNO(write(999, "x", 1), -1, EBADF);

	/* pwrite on a pipe is ESPIPE. */
	CHECK_ERRNO(pwrite(p[1], "x", 1, 0), -1, ESPIPE);

	/* A large write (more than a page) goes through whole. */
	static char big[10000], back[10000];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7 + 3);
	CHECK_EQ(write(p[1], big, sizeof(big)), sizeof(big));
	size_t got = 0;
	while (got < sizeof(back)) {
		ssize_t n = read(p[0], back + got, sizeof(back) - got);
		if (n <= 0) {
			FAIL("read returned %zd after %zu bytes", n, got);
			break;
		}
		got += n;
	}
	CHECK_MEMEQ(back, big, sizeof(big));

	/* /dev/null swallows everything. */
	int nfd;
	ASSERT_OK(nfd = open("/dev/null", O_WRONLY));
	CHECK_EQ(write(nfd, big, sizeof(big)), sizeof(big));
	CHECK_EQ(writev(nfd, iov, 4), 6);
	close(nfd);

	/* Writing to a read-only regular file fd is EBADF. */
	int rfd;
	ASSERT_OK(rfd = open("/etc/passwd", O_RDONLY));
	CHECK_ERRNO(write(rfd, "x", 1), -1, EBADF);
	close(rfd);

	/* The write end with the read end closed: EPIPE (SIGPIPE ignored). */
	signal(SIGPIPE, SIG_IGN);
	close(p[0]);
	CHECK_ERRNO(write(p[1], "x", 1), -1, EPIPE);
	close(p[1]);

	/* stdout: an empty write, then PASS itself through writev. */
	CHECK_EQ(write(1, "", 0), 0);
	if (tu_failures)
		return test_done();
	struct iovec pass[3] = { { "PA", 2 }, { "SS", 2 }, { "\n", 1 } };
	ssize_t n = writev(1, pass, 3);
	if (n != 5) {
		FAIL("writev(1, PASS) = %zd, errno %d", n, errno);
		return 1;
	}
	return 0;
}
