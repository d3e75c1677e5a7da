//go:build ignore

/* UDP over loopback, IPv4 and IPv6: bind, sendto/recvfrom with sender
 * addresses, datagram boundaries, MSG_PEEK, MSG_TRUNC (flag and return
 * value), zero-length datagrams, connect and disconnect (AF_UNSPEC),
 * EDESTADDRREQ, ECONNREFUSED from a closed port on a connected socket,
 * FIONREAD, SO_RCVTIMEO, poll readiness and dual-stack IPv6 sockets. */
#include "testutil.h"
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>

union addr {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
	struct sockaddr_storage ss;
};

static socklen_t loopback(int family, union addr *a, int port)
{
	memset(a, 0, sizeof(*a));
	if (family == AF_INET) {
		a->in.sin_family = AF_INET;
		a->in.sin_port = htons(port);
		a->in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(a->in);
	}
	a->in6.sin6_family = AF_INET6;
	a->in6.sin6_port = htons(port);
	a->in6.sin6_addr = in6addr_loopback;
	return sizeof(a->in6);
}

/* bound returns a UDP socket bound to an ephemeral loopback port. */
static int bound(int family, union addr *a, socklen_t *len)
{
	int fd;
	ASSERT_OK(fd = socket(family, SOCK_DGRAM, 0));
	*len = loopback(family, a, 0);
	ASSERT_OK(bind(fd, &a->sa, *len));
	socklen_t l = sizeof(*a);
	ASSERT_OK(getsockname(fd, &a->sa, &l));
	ASSERT_EQ(l, *len);
	return fd;
}

static void test_udp(int family)
{
	union addr a, b, from;
	socklen_t len, l;
	char buf[64];
	int r = bound(family, &a, &len);
	int s = bound(family, &b, &len);
	int v;
	socklen_t vl = sizeof(v);
	CHECK_OK(getsockopt(s, SOL_SOCKET, SO_PROTOCOL, &v, &vl));
	CHECK_EQ(v, IPPROTO_UDP);

	/* Nothing to read yet. */
	CHECK_ERRNO(recv(r, buf, sizeof(buf), MSG_DONTWAIT), -1, EAGAIN);
	struct pollfd p = { .fd = r, .events = POLLIN | POLLOUT };
	CHECK_EQ(poll(&p, 1, 0), 1);
	CHECK_EQ(p.revents, POLLOUT);

	/* Datagrams keep their boundaries and name their sender. */
	CHECK_EQ(sendto(s, "one", 3, 0, &a.sa, len), 3);
	CHECK_EQ(sendto(s, "second", 6, 0, &a.sa, len), 6);
	p = (struct pollfd){ .fd = r, .events = POLLIN };
	CHECK_EQ(poll(&p, 1, 5000), 1);
	CHECK_EQ(p.revents, POLLIN);
	int n = -1;
	CHECK_OK(ioctl(r, FIONREAD, &n));
	CHECK_EQ(n, 3);
	l = sizeof(from);
	CHECK_EQ(recvfrom(r, buf, sizeof(buf), MSG_PEEK, &from.sa, &l), 3);
	CHECK_EQ(l, len);
	CHECK_MEMEQ(&from, &b, len);
	l = sizeof(from);
	memset(&from, 0, sizeof(from));
	CHECK_EQ(recvfrom(r, buf, sizeof(buf), 0, &from.sa, &l), 3);
	CHECK_MEMEQ(buf, "one", 3);
	CHECK_MEMEQ(&from, &b, len);
	/* A short buffer truncates: MSG_TRUNC in msg_flags; the flag makes
	 * the call return the datagram's length. */
	char small[4];
	struct iovec iov = { small, sizeof(small) };
	struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov, .msg_iovlen = 1 };
	CHECK_EQ(recvmsg(r, &m, MSG_PEEK), 4);
	CHECK_EQ(m.msg_flags & MSG_TRUNC, MSG_TRUNC);
	CHECK_EQ(m.msg_namelen, len);
	m.msg_namelen = sizeof(from);
	CHECK_EQ(recvmsg(r, &m, MSG_TRUNC), 6);
	CHECK_EQ(m.msg_flags & MSG_TRUNC, MSG_TRUNC);
	CHECK_MEMEQ(small, "seco", 4);
	CHECK_ERRNO(recv(r, buf, sizeof(buf), MSG_DONTWAIT), -1, EAGAIN);

	/* Zero-length datagrams. */
	CHECK_EQ(sendto(s, "", 0, 0, &a.sa, len), 0);
	CHECK_EQ(poll(&p, 1, 5000), 1);
	n = -1;
	CHECK_OK(ioctl(r, FIONREAD, &n));
	CHECK_EQ(n, 0);
	CHECK_EQ(recv(r, buf, sizeof(buf), 0), 0);
	CHECK_ERRNO(recv(r, buf, sizeof(buf), MSG_DONTWAIT), -1, EAGAIN);

	/* Without a destination: EDESTADDRREQ; after connect, send and
	 * write go to the peer, and getpeername names it. */
	CHECK_ERRNO(send(s, "x", 1, 0), -1, EDESTADDRREQ);
	l = sizeof(from);
	CHECK_ERRNO(getpeername(s, &from.sa, &l), -1, ENOTCONN);
	CHECK_OK(connect(s, &a.sa, len));
	l = sizeof(from);
	CHECK_OK(getpeername(s, &from.sa, &l));
	CHECK_EQ(l, len);
	CHECK_MEMEQ(&from, &a, len);
	CHECK_EQ(send(s, "c1", 2, 0), 2);
	CHECK_EQ(write(s, "c2", 2), 2);
	CHECK_EQ(recv(r, buf, sizeof(buf), 0), 2);
	CHECK_MEMEQ(buf, "c1", 2);
	CHECK_EQ(read(r, buf, sizeof(buf)), 2);
	CHECK_MEMEQ(buf, "c2", 2);
	/* Connecting to AF_UNSPEC dissolves the association. */
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	CHECK_OK(connect(s, &unspec, sizeof(unspec)));
	l = sizeof(from);
	CHECK_ERRNO(getpeername(s, &from.sa, &l), -1, ENOTCONN);
	CHECK_ERRNO(send(s, "x", 1, 0), -1, EDESTADDRREQ);

	/* A bad destination port or family. */
	union addr z = a;
	if (family == AF_INET)
		z.in.sin_port = 0;
	else
		z.in6.sin6_port = 0;
	CHECK_ERRNO(sendto(s, "x", 1, 0, &z.sa, len), -1, EINVAL);
	CHECK_ERRNO(sendto(s, "x", 1, 0, &a.sa, family == AF_INET ? 15 : 23), -1, EINVAL);

	/* SO_RCVTIMEO: a blocking receive gives up with EAGAIN. */
	struct timeval tv = { 0, 50000 };
	CHECK_OK(setsockopt(r, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	CHECK_ERRNO(recv(r, buf, sizeof(buf), 0), -1, EAGAIN);

	/* A connected socket learns that the port it sends to is closed. */
	int port = ntohs(family == AF_INET ? a.in.sin_port : a.in6.sin6_port);
	close(r);
	loopback(family, &b, port);
	CHECK_OK(connect(s, &b.sa, len));
	CHECK_EQ(send(s, "lost", 4, 0), 4);
	p = (struct pollfd){ .fd = s, .events = POLLIN };
	CHECK_EQ(poll(&p, 1, 5000), 1);
	CHECK_EQ(p.revents & POLLERR, POLLERR);
	CHECK_ERRNO(recv(s, buf, sizeof(buf), MSG_DONTWAIT), -1, ECONNREFUSED);
	CHECK_ERRNO(recv(s, buf, sizeof(buf), MSG_DONTWAIT), -1, EAGAIN);
	/* Listen and accept are not for datagrams. */
	CHECK_ERRNO(listen(s, 1), -1, EOPNOTSUPP);
	CHECK_ERRNO(accept(s, NULL, NULL), -1, EOPNOTSUPP);
	close(s);
}

static void test_bind_errors(void)
{
	union addr a, b;
	socklen_t len;
	int fd = bound(AF_INET, &a, &len), fd2;
	/* The same port twice. */
	ASSERT_OK(fd2 = socket(AF_INET, SOCK_DGRAM, 0));
	CHECK_ERRNO(bind(fd2, &a.sa, len), -1, EADDRINUSE);
	/* With SO_REUSEADDR on both, UDP sockets may share a port. */
	int one = 1;
	close(fd);
	ASSERT_OK(fd = socket(AF_INET, SOCK_DGRAM, 0));
	CHECK_OK(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
	CHECK_OK(setsockopt(fd2, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
	CHECK_OK(bind(fd, &a.sa, len));
	CHECK_OK(bind(fd2, &a.sa, len));
	close(fd);
	close(fd2);
	/* AF_UNSPEC with INADDR_ANY binds an AF_INET socket (for old
	 * programs); with another address it is EAFNOSUPPORT. */
	ASSERT_OK(fd = socket(AF_INET, SOCK_DGRAM, 0));
	memset(&b, 0, sizeof(b));
	b.in.sin_family = AF_UNSPEC;
	b.in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK_ERRNO(bind(fd, &b.sa, sizeof(b.in)), -1, EAFNOSUPPORT);
	b.in.sin_addr.s_addr = htonl(INADDR_ANY);
	CHECK_OK(bind(fd, &b.sa, sizeof(b.in)));
	socklen_t l = sizeof(b);
	CHECK_OK(getsockname(fd, &b.sa, &l));
	CHECK_EQ(b.in.sin_family, AF_INET);
	CHECK_NE(b.in.sin_port, 0);
	close(fd);
	/* Sending from an unbound socket binds it. */
	ASSERT_OK(fd = socket(AF_INET, SOCK_DGRAM, 0));
	fd2 = bound(AF_INET, &a, &len);
	CHECK_EQ(sendto(fd, "x", 1, 0, &a.sa, len), 1);
	l = sizeof(b);
	CHECK_OK(getsockname(fd, &b.sa, &l));
	CHECK_NE(b.in.sin_port, 0);
	union addr from;
	l = sizeof(from);
	char c;
	CHECK_EQ(recvfrom(fd2, &c, 1, 0, &from.sa, &l), 1);
	CHECK_EQ(from.in.sin_port, b.in.sin_port);
	close(fd);
	close(fd2);
}

static void test_dual_stack(void)
{
	/* An IPv6 socket on :: receives from IPv4 senders, named as
	 * v4-mapped addresses, and sends to AF_INET destinations. */
	int r6, s4;
	union addr a, b, from;
	ASSERT_OK(r6 = socket(AF_INET6, SOCK_DGRAM, 0));
	memset(&a, 0, sizeof(a));
	a.in6.sin6_family = AF_INET6;
	ASSERT_OK(bind(r6, &a.sa, sizeof(a.in6)));
	socklen_t l = sizeof(a);
	ASSERT_OK(getsockname(r6, &a.sa, &l));
	s4 = bound(AF_INET, &b, &l);
	union addr to;
	loopback(AF_INET, &to, ntohs(a.in6.sin6_port));
	CHECK_EQ(sendto(s4, "v4", 2, 0, &to.sa, sizeof(to.in)), 2);
	char buf[8];
	l = sizeof(from);
	CHECK_EQ(recvfrom(r6, buf, sizeof(buf), 0, &from.sa, &l), 2);
	CHECK_EQ(l, sizeof(struct sockaddr_in6));
	CHECK_EQ(from.in6.sin6_family, AF_INET6);
	CHECK(IN6_IS_ADDR_V4MAPPED(&from.in6.sin6_addr));
	CHECK_EQ(from.in6.sin6_port, b.in.sin_port);
	/* Reply with the v4-mapped address. */
	CHECK_EQ(sendto(r6, "re", 2, 0, &from.sa, l), 2);
	CHECK_EQ(recv(s4, buf, sizeof(buf), 0), 2);
	CHECK_MEMEQ(buf, "re", 2);
	close(r6);
	close(s4);
}

int main(void)
{
	test_udp(AF_INET);
	test_udp(AF_INET6);
	test_bind_errors();
	test_dual_stack();
	return test_done();
}
