//go:build ignore

/*
 * struct msghdr handling in sendmsg and recvmsg: gathering and scattering
 * across iovecs (empty ones included), msg_iovlen above UIO_MAXIOV
 * (EMSGSIZE), negative msg_namelen (EINVAL), a name buffer shorter than
 * the address (truncated, full length reported), msg_name NULL (length
 * left alone), a huge msg_controllen (ENOBUFS), bad pointers (EFAULT),
 * and msg_controllen written back as the bytes used.
 */
#include "testutil.h"
#include <stddef.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>

int main(void)
{
	int sv[2];
	char buf[64];

	ASSERT_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	/* Gather three pieces, one empty, into one datagram. */
	struct iovec out[3] = {{"ab", 2}, {"", 0}, {"cde", 3}};
	struct msghdr m = {.msg_iov = out, .msg_iovlen = 3};
	CHECK_EQ(sendmsg(sv[0], &m, 0), 5);
	/* Scatter it over 1 + 0 + 10 bytes. */
	char x[1], y[10];
	struct iovec in[3] = {{x, 1}, {NULL, 0}, {y, 10}};
	struct msghdr r = {.msg_iov = in, .msg_iovlen = 3};
	CHECK_EQ(recvmsg(sv[1], &r, 0), 5);
	CHECK_MEMEQ(x, "a", 1);
	CHECK_MEMEQ(y, "bcde", 4);
	/* No iovecs at all: a zero-length datagram. */
	m.msg_iovlen = 0;
	CHECK_EQ(sendmsg(sv[0], &m, 0), 0);
	r.msg_iovlen = 0;
	CHECK_EQ(recvmsg(sv[1], &r, MSG_DONTWAIT), 0);

	/* Limits. */
	static struct iovec many[UIO_MAXIOV + 1];
	for (int i = 0; i <= UIO_MAXIOV; i++)
		many[i] = (struct iovec){buf, 1};
	m.msg_iov = many;
	m.msg_iovlen = UIO_MAXIOV + 1;
	CHECK_ERRNO(sendmsg(sv[0], &m, 0), -1, EMSGSIZE);
	m.msg_iovlen = UIO_MAXIOV;
	CHECK_EQ(sendmsg(sv[0], &m, 0), UIO_MAXIOV);
	r.msg_iov = many;
	r.msg_iovlen = UIO_MAXIOV + 1;
	CHECK_ERRNO(recvmsg(sv[1], &r, 0), -1, EMSGSIZE);
	r.msg_iovlen = UIO_MAXIOV;
	CHECK_EQ(recvmsg(sv[1], &r, 0), UIO_MAXIOV);
	/* A huge control buffer is ENOBUFS. */
	m.msg_iov = out;
	m.msg_iovlen = 1;
	m.msg_control = buf;
	m.msg_controllen = 1 << 20;
	CHECK_ERRNO(sendmsg(sv[0], &m, 0), -1, ENOBUFS);
	m.msg_control = NULL;
	m.msg_controllen = 0;
	/* Bad pointers. */
	CHECK_ERRNO(sendmsg(sv[0], (struct msghdr *)8, 0), -1, EFAULT);
	CHECK_ERRNO(recvmsg(sv[1], (struct msghdr *)8, MSG_DONTWAIT), -1, EFAULT);
	struct iovec bad = {(void *)8, 4};
	m.msg_iov = &bad;
	CHECK_ERRNO(sendmsg(sv[0], &m, 0), -1, EFAULT);
	m.msg_iov = out;
	CHECK_ERRNO(send(sv[0], (void *)8, 4, 0), -1, EFAULT);
	close(sv[0]);
	close(sv[1]);

	/* Names: a bound sender; short and NULL name buffers. */
	int a = socket(AF_UNIX, SOCK_DGRAM, 0), b = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un an = {.sun_family = AF_UNIX}, bn = {.sun_family = AF_UNIX};
	int k = snprintf(an.sun_path + 1, sizeof(an.sun_path) - 1, "moat-msghdr-a-%d", getpid());
	socklen_t alen = offsetof(struct sockaddr_un, sun_path) + 1 + k;
	k = snprintf(bn.sun_path + 1, sizeof(bn.sun_path) - 1, "moat-msghdr-b-%d", getpid());
	socklen_t blen = offsetof(struct sockaddr_un, sun_path) + 1 + k;
	ASSERT_OK(bind(a, (struct sockaddr *)&an, alen));
	ASSERT_OK(bind(b, (struct sockaddr *)&bn, blen));
	m = (struct msghdr){.msg_name = &bn, .msg_namelen = blen, .msg_iov = out, .msg_iovlen = 1};
	CHECK_EQ(sendmsg(a, &m, 0), 2);
	m.msg_namelen = -1;
	CHECK_ERRNO(sendmsg(a, &m, 0), -1, EINVAL);
	m.msg_namelen = blen;
	struct sockaddr_un from;
	memset(&from, 0, sizeof(from));
	struct iovec riov = {buf, sizeof(buf)};
	r = (struct msghdr){.msg_name = &from, .msg_namelen = 5, .msg_iov = &riov, .msg_iovlen = 1};
	CHECK_EQ(recvmsg(b, &r, 0), 2);
	CHECK_EQ(r.msg_namelen, alen);
	CHECK_EQ(from.sun_path[0], 0);
	CHECK_EQ(from.sun_path[3], 0);
	/* msg_name NULL: msg_namelen is left as it was. */
	CHECK_EQ(sendmsg(a, &m, 0), 2);
	r = (struct msghdr){.msg_name = NULL, .msg_namelen = 77, .msg_iov = &riov, .msg_iovlen = 1};
	CHECK_EQ(recvmsg(b, &r, 0), 2);
	CHECK_EQ(r.msg_namelen, 77);
	/* A negative msg_namelen on receive is EINVAL. */
	CHECK_EQ(sendmsg(a, &m, 0), 2);
	r = (struct msghdr){.msg_name = &from, .msg_namelen = -1, .msg_iov = &riov, .msg_iovlen = 1};
	CHECK_ERRNO(recvmsg(b, &r, 0), -1, EINVAL);
	/* msg_controllen comes back as the bytes used: none here. */
	char ctl[64];
	r = (struct msghdr){.msg_iov = &riov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
	CHECK_EQ(recvmsg(b, &r, 0), 2);
	CHECK_EQ(r.msg_controllen, 0);
	CHECK_EQ(r.msg_flags, 0);
	close(a);
	close(b);
	return test_done();
}
