//go:build ignore

/*
 * SOCK_STREAM socketpairs: bytes arrive in order without message
 * boundaries and may be read in parts; FIONREAD/SIOCINQ and SIOCOUTQ;
 * unnamed addresses; EOF after the peer closes; ECONNRESET when the peer
 * closed with data unread; EPIPE with SIGPIPE (or without, with
 * MSG_NOSIGNAL); sendto with an address is EISCONN; a large transfer
 * through a blocking writer and a reader thread.
 */
#include "testutil.h"
#include <linux/sockios.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>

static volatile sig_atomic_t sigpipes;
static void on_sigpipe(int sig)
{
	(void)sig;
	sigpipes++;
}

#define BIG (4 << 20)
static unsigned char bigbuf[BIG], got[BIG];

static void *reader(void *arg)
{
	int fd = *(int *)arg;
	size_t total = 0;
	while (total < BIG) {
		ssize_t n = read(fd, got + total, BIG - total);
		if (n <= 0)
			break;
		total += n;
	}
	return (void *)total;
}

int main(void)
{
	int sv[2];
	char buf[64];
	int v;

	ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	/* Both directions, no boundaries, partial reads. */
	CHECK_EQ(send(sv[0], "abc", 3, 0), 3);
	CHECK_EQ(write(sv[0], "defg", 4), 4);
	CHECK_EQ(ioctl(sv[1], FIONREAD, &v), 0);
	CHECK_EQ(v, 7);
	CHECK_EQ(ioctl(sv[1], SIOCINQ, &v), 0);
	CHECK_EQ(v, 7);
	CHECK_EQ(ioctl(sv[0], SIOCOUTQ, &v), 0);
	CHECK_GE(v, 7);
	CHECK_EQ(recv(sv[1], buf, 2, 0), 2);
	CHECK_MEMEQ(buf, "ab", 2);
	CHECK_EQ(ioctl(sv[1], FIONREAD, &v), 0);
	CHECK_EQ(v, 5);
	CHECK_EQ(read(sv[1], buf, sizeof(buf)), 5);
	CHECK_MEMEQ(buf, "cdefg", 5);
	CHECK_EQ(ioctl(sv[0], SIOCOUTQ, &v), 0);
	CHECK_EQ(v, 0);
	CHECK_EQ(send(sv[1], "back", 4, 0), 4);
	CHECK_EQ(recv(sv[0], buf, sizeof(buf), 0), 4);
	CHECK_MEMEQ(buf, "back", 4);
	/* Zero-length sends succeed and send nothing. */
	CHECK_EQ(send(sv[0], "", 0, 0), 0);
	CHECK_ERRNO(recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), -1, EAGAIN);
	/* writev/readv across iovecs. */
	struct iovec iov[3] = {{"12", 2}, {"", 0}, {"345", 3}};
	CHECK_EQ(writev(sv[0], iov, 3), 5);
	char r1[1], r2[10];
	struct iovec riov[2] = {{r1, 1}, {r2, 10}};
	CHECK_EQ(readv(sv[1], riov, 2), 5);
	CHECK_MEMEQ(r1, "1", 1);
	CHECK_MEMEQ(r2, "2345", 4);

	/* Unnamed on both sides; recvfrom reports no address. */
	struct sockaddr_un a;
	socklen_t al = sizeof(a);
	memset(&a, 0x55, sizeof(a));
	CHECK_EQ(getsockname(sv[0], (struct sockaddr *)&a, &al), 0);
	CHECK_EQ(al, sizeof(sa_family_t));
	CHECK_EQ(a.sun_family, AF_UNIX);
	al = sizeof(a);
	CHECK_EQ(getpeername(sv[0], (struct sockaddr *)&a, &al), 0);
	CHECK_EQ(al, sizeof(sa_family_t));
	CHECK_EQ(send(sv[0], "q", 1, 0), 1);
	al = sizeof(a);
	CHECK_EQ(recvfrom(sv[1], buf, sizeof(buf), 0, (struct sockaddr *)&a, &al), 1);
	CHECK_EQ(al, 0);
	/* Address lengths: too short is truncated, negative is EINVAL. */
	al = 1;
	CHECK_EQ(getsockname(sv[0], (struct sockaddr *)&a, &al), 0);
	CHECK_EQ(al, sizeof(sa_family_t));
	al = -1;
	CHECK_ERRNO(getsockname(sv[0], (struct sockaddr *)&a, &al), -1, EINVAL);
	CHECK_ERRNO(getsockname(sv[0], (struct sockaddr *)&a, NULL), -1, EFAULT);
	/* A connected stream socket takes no destination. */
	struct sockaddr_un dst = {.sun_family = AF_UNIX, .sun_path = "\0nowhere"};
	CHECK_ERRNO(sendto(sv[0], "x", 1, 0, (struct sockaddr *)&dst, sizeof(dst)), -1, EISCONN);
	CHECK_ERRNO(connect(sv[0], (struct sockaddr *)&dst, sizeof(dst)), -1, ECONNREFUSED);
	CHECK_ERRNO(listen(sv[0], 1), -1, EINVAL);
	CHECK_ERRNO(accept(sv[0], NULL, NULL), -1, EINVAL);

	/* Peer closes: data first, then EOF, repeatedly. */
	CHECK_EQ(send(sv[1], "last", 4, 0), 4);
	CHECK_EQ(close(sv[1]), 0);
	CHECK_EQ(recv(sv[0], buf, sizeof(buf), 0), 4);
	CHECK_EQ(recv(sv[0], buf, sizeof(buf), 0), 0);
	CHECK_EQ(read(sv[0], buf, sizeof(buf)), 0);
	/* The peer's name is still known. */
	al = sizeof(a);
	CHECK_EQ(getpeername(sv[0], (struct sockaddr *)&a, &al), 0);
	/* Writing: EPIPE and SIGPIPE, or EPIPE alone with MSG_NOSIGNAL. */
	signal(SIGPIPE, on_sigpipe);
	CHECK_ERRNO(send(sv[0], "x", 1, 0), -1, EPIPE);
	CHECK_EQ(sigpipes, 1);
	CHECK_ERRNO(write(sv[0], "x", 1), -1, EPIPE);
	CHECK_EQ(sigpipes, 2);
	CHECK_ERRNO(send(sv[0], "x", 1, MSG_NOSIGNAL), -1, EPIPE);
	CHECK_EQ(sigpipes, 2);
	close(sv[0]);

	/* Closing with unread data resets the peer: its own data first,
	 * then ECONNRESET once, then EOF. */
	ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_EQ(send(sv[0], "unread", 6, 0), 6);
	CHECK_EQ(send(sv[1], "zz", 2, 0), 2);
	CHECK_EQ(close(sv[1]), 0);
	CHECK_EQ(recv(sv[0], buf, sizeof(buf), 0), 2);
	CHECK_ERRNO(recv(sv[0], buf, sizeof(buf), 0), -1, ECONNRESET);
	CHECK_EQ(recv(sv[0], buf, sizeof(buf), 0), 0);
	CHECK_ERRNO(send(sv[0], "x", 1, MSG_NOSIGNAL), -1, EPIPE);
	close(sv[0]);
	/* The error is also SO_ERROR, which clears it. */
	ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_EQ(send(sv[0], "unread", 6, 0), 6);
	close(sv[1]);
	int err = -1;
	al = sizeof(err);
	CHECK_EQ(getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &err, &al), 0);
	CHECK_EQ(err, ECONNRESET);
	CHECK_EQ(getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &err, &al), 0);
	CHECK_EQ(err, 0);
	CHECK_EQ(recv(sv[0], buf, sizeof(buf), 0), 0);
	close(sv[0]);

	/* 4 MiB through a blocking writer and a reader thread, in order. */
	ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	for (int i = 0; i < BIG; i++)
		bigbuf[i] = (unsigned char)(i * 7 + i / 251);
	pthread_t th;
	ASSERT_EQ(pthread_create(&th, NULL, reader, &sv[1]), 0);
	size_t sent = 0;
	while (sent < BIG) {
		ssize_t n = send(sv[0], bigbuf + sent, BIG - sent, 0);
		if (n <= 0) {
			FAIL("send returned %zd errno %d", n, errno);
			break;
		}
		sent += n;
	}
	close(sv[0]);
	void *total;
	pthread_join(th, &total);
	CHECK_EQ((size_t)total, (size_t)BIG);
	CHECK_EQ(memcmp(got, bigbuf, BIG), 0);
	close(sv[1]);
	return test_done();
}
