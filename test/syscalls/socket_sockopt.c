//go:build ignore

/*
 * SOL_SOCKET options on unix sockets: SO_SNDBUF and SO_RCVBUF (doubled,
 * with minimums), SO_RCVTIMEO and SO_SNDTIMEO (timeval round trip, EDOM,
 * EINVAL for short values), boolean options (SO_REUSEADDR, SO_KEEPALIVE,
 * SO_PASSCRED), SO_LINGER, SO_RCVLOWAT/SO_SNDLOWAT, read-only and unknown
 * options (ENOPROTOOPT), other levels (EOPNOTSUPP), and the option length
 * rules (short buffers truncate, negative lengths are EINVAL).
 */
#include "testutil.h"
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

static int geti(int fd, int opt)
{
	int v = -12345;
	socklen_t l = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, opt, &v, &l) != 0)
		return -1000 - errno;
	return v;
}

static int seti(int fd, int opt, int v) { return setsockopt(fd, SOL_SOCKET, opt, &v, sizeof(v)); }

int main(void)
{
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	ASSERT_OK(s);

	/* Buffer sizes: doubled; minimums 4608 (send) and 2304 (receive). */
	CHECK_GT(geti(s, SO_SNDBUF), 0);
	CHECK_GT(geti(s, SO_RCVBUF), 0);
	CHECK_EQ(seti(s, SO_SNDBUF, 10000), 0);
	CHECK_EQ(geti(s, SO_SNDBUF), 20000);
	CHECK_EQ(seti(s, SO_RCVBUF, 10000), 0);
	CHECK_EQ(geti(s, SO_RCVBUF), 20000);
	CHECK_EQ(seti(s, SO_SNDBUF, 1), 0);
	CHECK_EQ(geti(s, SO_SNDBUF), 4608);
	CHECK_EQ(seti(s, SO_RCVBUF, 0), 0);
	CHECK_EQ(geti(s, SO_RCVBUF), 2304);
	/* A smaller send buffer limits datagrams (EMSGSIZE above it). */
	int sv[2];
	ASSERT_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	CHECK_EQ(seti(sv[0], SO_SNDBUF, 5000), 0);
	static char big[16384];
	CHECK_ERRNO(send(sv[0], big, 10000 - 31, 0), -1, EMSGSIZE);
	CHECK_EQ(send(sv[0], big, 10000 - 32, 0), 10000 - 32);
	close(sv[0]);
	close(sv[1]);

	/* Timeouts round-trip as timevals. */
	struct timeval tv = {0, 300000}, out;
	socklen_t l = sizeof(out);
	CHECK_EQ(getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &out, &l), 0);
	CHECK_EQ(l, sizeof(out));
	CHECK_EQ(out.tv_sec, 0);
	CHECK_EQ(out.tv_usec, 0);
	CHECK_EQ(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	CHECK_EQ(getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &out, &l), 0);
	CHECK_EQ(out.tv_sec, 0);
	CHECK_EQ(out.tv_usec, 300000);
	tv = (struct timeval){2, 500000};
	CHECK_EQ(setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), 0);
	CHECK_EQ(getsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &out, &l), 0);
	CHECK_EQ(out.tv_sec, 2);
	CHECK_EQ(out.tv_usec, 500000);
	/* Zero means no timeout again; a negative one reads back as 0. */
	tv = (struct timeval){0, 0};
	CHECK_EQ(setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), 0);
	CHECK_EQ(getsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &out, &l), 0);
	CHECK_EQ(out.tv_sec, 0);
	tv = (struct timeval){-5, 0};
	CHECK_EQ(setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), 0);
	CHECK_EQ(getsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &out, &l), 0);
	CHECK_EQ(out.tv_sec, 0);
	CHECK_EQ(out.tv_usec, 0);
	tv = (struct timeval){1, 1000000};
	CHECK_ERRNO(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), -1, EDOM);
	tv = (struct timeval){1, -1};
	CHECK_ERRNO(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), -1, EDOM);
	CHECK_ERRNO(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv) - 1), -1, EINVAL);
	/* A short buffer gets the first bytes. */
	long sec = -1;
	l = sizeof(sec);
	CHECK_EQ(getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &sec, &l), 0);
	CHECK_EQ(l, sizeof(sec));
	CHECK_EQ(sec, 0);

	/* Booleans. */
	int bools[] = {SO_REUSEADDR, SO_KEEPALIVE, SO_PASSCRED, SO_BROADCAST, SO_DONTROUTE, SO_OOBINLINE};
	for (unsigned i = 0; i < sizeof(bools) / sizeof(bools[0]); i++) {
		CHECK_EQ(geti(s, bools[i]), 0);
		CHECK_EQ(seti(s, bools[i], 7), 0);
		CHECK_EQ(geti(s, bools[i]), 1);
		CHECK_EQ(seti(s, bools[i], 0), 0);
		CHECK_EQ(geti(s, bools[i]), 0);
	}
	/* SO_LINGER is a struct linger. */
	struct linger lg = {1, 5}, lo;
	l = sizeof(lo);
	CHECK_EQ(getsockopt(s, SOL_SOCKET, SO_LINGER, &lo, &l), 0);
	CHECK_EQ(l, sizeof(lo));
	CHECK_EQ(lo.l_onoff, 0);
	CHECK_EQ(setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	CHECK_EQ(getsockopt(s, SOL_SOCKET, SO_LINGER, &lo, &l), 0);
	CHECK_EQ(lo.l_onoff, 1);
	CHECK_EQ(lo.l_linger, 5);
	CHECK_ERRNO(setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(int)), -1, EINVAL);
	/* Low-water marks. */
	CHECK_EQ(geti(s, SO_RCVLOWAT), 1);
	CHECK_EQ(seti(s, SO_RCVLOWAT, 10), 0);
	CHECK_EQ(geti(s, SO_RCVLOWAT), 10);
	CHECK_EQ(geti(s, SO_SNDLOWAT), 1);
	CHECK_ERRNO(seti(s, SO_SNDLOWAT, 10), -1, ENOPROTOOPT);

	/* Read-only, unknown, and other levels. */
	CHECK_ERRNO(seti(s, SO_TYPE, 1), -1, ENOPROTOOPT);
	CHECK_ERRNO(seti(s, SO_ERROR, 1), -1, ENOPROTOOPT);
	CHECK_ERRNO(seti(s, SO_DOMAIN, 1), -1, ENOPROTOOPT);
	CHECK_ERRNO(seti(s, SO_PROTOCOL, 1), -1, ENOPROTOOPT);
	CHECK_ERRNO(seti(s, SO_ACCEPTCONN, 1), -1, ENOPROTOOPT);
	CHECK_EQ(geti(s, 9999), -1000 - ENOPROTOOPT);
	CHECK_ERRNO(seti(s, 9999, 1), -1, ENOPROTOOPT);
	int v = 1;
	l = sizeof(v);
	CHECK_ERRNO(getsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, &l), -1, EOPNOTSUPP);
	CHECK_ERRNO(setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v)), -1, EOPNOTSUPP);

	/* Lengths. */
	CHECK_ERRNO(setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, 3), -1, EINVAL);
	CHECK_ERRNO(setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, -1), -1, EINVAL);
	CHECK_ERRNO(setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, NULL, sizeof(v)), -1, EFAULT);
	l = -1;
	CHECK_ERRNO(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &l), -1, EINVAL);
	CHECK_ERRNO(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, NULL), -1, EFAULT);
	unsigned char one = 0xff;
	l = 1;
	CHECK_EQ(getsockopt(s, SOL_SOCKET, SO_TYPE, &one, &l), 0);
	CHECK_EQ(l, 1);
	CHECK_EQ(one, SOCK_STREAM);
	long long wide = -1;
	l = sizeof(wide);
	CHECK_EQ(getsockopt(s, SOL_SOCKET, SO_TYPE, &wide, &l), 0);
	CHECK_EQ(l, sizeof(int));
	CHECK_EQ(wide, (long long)(0xffffffff00000000ULL | SOCK_STREAM));
	l = 0;
	CHECK_EQ(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &l), 0);
	CHECK_EQ(l, 0);
	close(s);
	return test_done();
}
