//go:build ignore

/*
 * pipe2 flags (pipe(2)): O_DIRECT "packet mode" (each write is a packet, a
 * read takes at most one packet and drops what does not fit, writes above
 * PIPE_BUF are split into PIPE_BUF packets), O_CLOEXEC with O_NONBLOCK,
 * each end its own open file description, and invalid flags.
 */
#include "testutil.h"
#include <fcntl.h>
#include <limits.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

int main(void)
{
	int p[2];
	char buf[3 * PIPE_BUF];

	/* Packet mode: the write end carries O_DIRECT. */
	ASSERT_OK(pipe2(p, O_DIRECT));
	CHECK_EQ(fcntl(p[1], F_GETFL), O_WRONLY | O_DIRECT);
	CHECK_EQ(fcntl(p[0], F_GETFL), O_RDONLY);
	CHECK_EQ(fcntl(p[0], F_GETFD), 0);
	CHECK_EQ(write(p[1], "hello", 5), 5);
	CHECK_EQ(write(p[1], "world!", 6), 6);
	CHECK_EQ(write(p[1], "x", 1), 1);
	/* Data is counted as bytes... */
	int avail = -1;
	CHECK_EQ(ioctl(p[0], FIONREAD, &avail), 0);
	CHECK_EQ(avail, 12);
	/* ...but read one packet at a time. */
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 5);
	CHECK_MEMEQ(buf, "hello", 5);
	/* A short read takes the head of the packet and drops the rest. */
	CHECK_EQ(read(p[0], buf, 3), 3);
	CHECK_MEMEQ(buf, "wor", 3);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 1);
	CHECK_EQ(buf[0], 'x');
	/* A write of 0 bytes makes no packet. */
	CHECK_EQ(write(p[1], "", 0), 0);
	CHECK_EQ(ioctl(p[0], FIONREAD, &avail), 0);
	CHECK_EQ(avail, 0);
	/* A write above PIPE_BUF becomes PIPE_BUF-sized packets. */
	for (int i = 0; i < (int)sizeof(buf); i++)
		buf[i] = (char)(i / PIPE_BUF + '0');
	CHECK_EQ(write(p[1], buf, PIPE_BUF * 2 + 10), PIPE_BUF * 2 + 10);
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(read(p[0], buf, sizeof(buf)), PIPE_BUF);
	CHECK_EQ(buf[0], '0');
	CHECK_EQ(buf[PIPE_BUF - 1], '0');
	CHECK_EQ(read(p[0], buf, sizeof(buf)), PIPE_BUF);
	CHECK_EQ(buf[0], '1');
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 10);
	CHECK_EQ(buf[0], '2');
	/* Each packet takes a slot: a 64 KiB pipe holds 16 one-byte packets. */
	CHECK_OK(fcntl(p[1], F_SETFL, O_NONBLOCK | O_DIRECT));
	CHECK_EQ(fcntl(p[1], F_GETFL), O_WRONLY | O_NONBLOCK | O_DIRECT);
	int n = 0;
	while (n < 100 && write(p[1], "p", 1) == 1)
		n++;
	CHECK_EQ(n, 16);
	CHECK_EQ(errno, EAGAIN);
	CHECK_EQ(ioctl(p[0], FIONREAD, &avail), 0);
	CHECK_EQ(avail, 16);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 1);
	CHECK_EQ(write(p[1], "pq", 2), 2);
	CHECK_ERRNO(write(p[1], "p", 1), -1, EAGAIN);
	close(p[1]);
	for (int i = 0; i < 15; i++)
		CHECK_EQ(read(p[0], buf, sizeof(buf)), 1);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 2);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 0);
	close(p[0]);

	/* Without O_DIRECT the same writes are one stream. */
	ASSERT_OK(pipe2(p, 0));
	CHECK_EQ(write(p[1], "hello", 5), 5);
	CHECK_EQ(write(p[1], "world!", 6), 6);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 11);
	CHECK_MEMEQ(buf, "helloworld!", 11);
	close(p[0]);
	close(p[1]);

	/* O_CLOEXEC and O_NONBLOCK together. */
	ASSERT_OK(pipe2(p, O_CLOEXEC | O_NONBLOCK | O_DIRECT));
	CHECK_EQ(fcntl(p[0], F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(p[1], F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(p[0], F_GETFL), O_RDONLY | O_NONBLOCK);
	CHECK_EQ(fcntl(p[1], F_GETFL), O_WRONLY | O_NONBLOCK | O_DIRECT);
	/* Each end is its own open file description: flags set on one do
	 * not show on the other, but do on a dup. */
	int d;
	ASSERT_OK(d = dup(p[0]));
	CHECK_EQ(fcntl(d, F_GETFD), 0);
	CHECK_OK(fcntl(d, F_SETFL, 0));
	CHECK_EQ(fcntl(p[0], F_GETFL), O_RDONLY);
	CHECK_EQ(fcntl(p[1], F_GETFL), O_WRONLY | O_NONBLOCK | O_DIRECT);
	close(d);
	/* Both ends are the same FIFO inode; another pipe is another inode. */
	struct stat s0, s1, s2;
	CHECK_OK(fstat(p[0], &s0));
	CHECK_OK(fstat(p[1], &s1));
	CHECK(S_ISFIFO(s0.st_mode));
	CHECK_EQ(s0.st_ino, s1.st_ino);
	CHECK_EQ(s0.st_dev, s1.st_dev);
	CHECK_EQ(s0.st_mode & 0777, 0600);
	CHECK_EQ(s0.st_size, 0);
	int q[2];
	ASSERT_OK(pipe2(q, 0));
	CHECK_OK(fstat(q[0], &s2));
	CHECK_NE(s2.st_ino, s0.st_ino);
	CHECK_EQ(s2.st_dev, s0.st_dev);
	close(q[0]);
	close(q[1]);
	close(p[0]);
	close(p[1]);

	/* Flags other than O_CLOEXEC, O_NONBLOCK and O_DIRECT: EINVAL, and
	 * no descriptor is made. */
	int before = dup(0);
	close(before);
	static const int bad[] = {O_RDWR, O_WRONLY, O_APPEND, O_TRUNC, O_NOCTTY,
				  O_SYNC, O_CREAT, O_DIRECTORY, 0x40000000};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p[0] = p[1] = -7;
		CHECK_ERRNO(pipe2(p, bad[i] | O_NONBLOCK), -1, EINVAL);
		CHECK_EQ(p[0], -7);
	}
	int after = dup(0);
	CHECK_EQ(after, before);
	close(after);
	return test_done();
}
