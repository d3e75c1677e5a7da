//go:build ignore

/* TCP over loopback, IPv4 and IPv6: socket(2) argument checks, bind with
 * ephemeral ports, listen/accept/accept4, blocking and non-blocking
 * connect (EINPROGRESS, SO_ERROR), names, data transfer with MSG_PEEK,
 * MSG_DONTWAIT, MSG_WAITALL and MSG_TRUNC, shutdown, ECONNREFUSED,
 * EADDRINUSE, EADDRNOTAVAIL, resets (ECONNRESET, EPIPE and SIGPIPE,
 * MSG_NOSIGNAL), FIONREAD and poll/epoll readiness. */
#include "testutil.h"
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

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

static int port_of(const union addr *a)
{
	return ntohs(a->sa.sa_family == AF_INET ? a->in.sin_port : a->in6.sin6_port);
}

/* listener returns a listening socket on an ephemeral loopback port and
 * its address. */
static int listener(int family, union addr *a, socklen_t *len)
{
	int fd;
	ASSERT_OK(fd = socket(family, SOCK_STREAM, 0));
	*len = loopback(family, a, 0);
	ASSERT_OK(bind(fd, &a->sa, *len));
	ASSERT_OK(listen(fd, 8));
	socklen_t l = sizeof(*a);
	ASSERT_OK(getsockname(fd, &a->sa, &l));
	ASSERT_EQ(l, *len);
	return fd;
}

/* connected makes a connection through a new listener: *c is the
 * client end, *s the accepted end. */
static void connected(int family, int *c, int *s)
{
	union addr a;
	socklen_t len;
	int l = listener(family, &a, &len);
	ASSERT_OK(*c = socket(family, SOCK_STREAM, 0));
	ASSERT_OK(connect(*c, &a.sa, len));
	ASSERT_OK(*s = accept(l, NULL, NULL));
	close(l);
}

static void test_create(void)
{
	int fd;
	CHECK_ERRNO(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP), -1, EPROTONOSUPPORT);
	CHECK_ERRNO(socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP), -1, EPROTONOSUPPORT);
	CHECK_ERRNO(socket(AF_INET6, SOCK_STREAM, IPPROTO_UDP), -1, EPROTONOSUPPORT);
	CHECK_ERRNO(socket(AF_INET, SOCK_SEQPACKET, 0), -1, ESOCKTNOSUPPORT);
	CHECK_ERRNO(socket(AF_INET, 0x0f, 0), -1, EINVAL);
	int sv[2];
	CHECK_ERRNO(socketpair(AF_INET, SOCK_STREAM, 0, sv), -1, EOPNOTSUPP);

	ASSERT_OK(fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP));
	CHECK_EQ(fcntl(fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
	int v;
	socklen_t l = sizeof(v);
	CHECK_OK(getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &l));
	CHECK_EQ(v, SOCK_STREAM);
	CHECK_OK(getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &l));
	CHECK_EQ(v, AF_INET);
	CHECK_OK(getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &l));
	CHECK_EQ(v, IPPROTO_TCP);
	CHECK_OK(getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &l));
	CHECK_EQ(v, 0);
	/* A fresh socket is named 0.0.0.0:0 and has no peer. */
	union addr a;
	l = sizeof(a);
	CHECK_OK(getsockname(fd, &a.sa, &l));
	CHECK_EQ(l, sizeof(struct sockaddr_in));
	CHECK_EQ(a.in.sin_family, AF_INET);
	CHECK_EQ(a.in.sin_port, 0);
	CHECK_EQ(a.in.sin_addr.s_addr, 0);
	l = sizeof(a);
	CHECK_ERRNO(getpeername(fd, &a.sa, &l), -1, ENOTCONN);
	/* Reading an unconnected stream socket. */
	char c;
	CHECK_ERRNO(recv(fd, &c, 1, 0), -1, ENOTCONN);
	/* Unconnected and not listening: writable and hung up. */
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };
	CHECK_EQ(poll(&p, 1, 0), 1);
	CHECK_EQ(p.revents, POLLOUT | POLLHUP);
	/* send on it is EPIPE (MSG_NOSIGNAL: no SIGPIPE). */
	CHECK_ERRNO(send(fd, "x", 1, MSG_NOSIGNAL), -1, EPIPE);
	/* accept on a socket that is not listening. */
	CHECK_ERRNO(accept(fd, NULL, NULL), -1, EINVAL);
	close(fd);

	ASSERT_OK(fd = socket(AF_INET6, SOCK_STREAM, 0));
	l = sizeof(a);
	CHECK_OK(getsockname(fd, &a.sa, &l));
	CHECK_EQ(l, sizeof(struct sockaddr_in6));
	CHECK_EQ(a.in6.sin6_family, AF_INET6);
	CHECK(IN6_IS_ADDR_UNSPECIFIED(&a.in6.sin6_addr));
	close(fd);
}

static void test_bind(int family)
{
	union addr a, b;
	socklen_t len = loopback(family, &a, 0), l;
	int fd, fd2;

	ASSERT_OK(fd = socket(family, SOCK_STREAM, 0));
	/* Short addresses and other families. */
	CHECK_ERRNO(bind(fd, &a.sa, family == AF_INET ? 15 : 23), -1, EINVAL);
	b = a;
	b.sa.sa_family = family == AF_INET ? AF_INET6 : AF_INET;
	CHECK_ERRNO(bind(fd, &b.sa, len), -1, EAFNOSUPPORT);
	/* A non-local address (TEST-NET-1, 2001:db8::1). */
	b = a;
	if (family == AF_INET)
		inet_pton(AF_INET, "192.0.2.1", &b.in.sin_addr);
	else
		inet_pton(AF_INET6, "2001:db8::1", &b.in6.sin6_addr);
	CHECK_ERRNO(bind(fd, &b.sa, len), -1, EADDRNOTAVAIL);
	/* Port 0 picks an ephemeral port. */
	CHECK_OK(bind(fd, &a.sa, len));
	l = sizeof(b);
	CHECK_OK(getsockname(fd, &b.sa, &l));
	CHECK_EQ(l, len);
	CHECK_GE(port_of(&b), 1024);
	/* Binding again is EINVAL. */
	CHECK_ERRNO(bind(fd, &a.sa, len), -1, EINVAL);
	/* The port is taken for another socket, even one with SO_REUSEADDR,
	 * while the first listens. */
	CHECK_OK(listen(fd, 1));
	ASSERT_OK(fd2 = socket(family, SOCK_STREAM, 0));
	int one = 1;
	CHECK_OK(setsockopt(fd2, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
	CHECK_ERRNO(bind(fd2, &b.sa, len), -1, EADDRINUSE);
	close(fd2);
	/* Once it is closed, the port is free again. */
	close(fd);
	ASSERT_OK(fd = socket(family, SOCK_STREAM, 0));
	CHECK_OK(bind(fd, &b.sa, len));
	close(fd);

	/* Listening on an unbound socket binds it to an ephemeral port. */
	ASSERT_OK(fd = socket(family, SOCK_STREAM, 0));
	CHECK_OK(listen(fd, 1));
	l = sizeof(b);
	CHECK_OK(getsockname(fd, &b.sa, &l));
	CHECK_GE(port_of(&b), 1024);
	int v;
	socklen_t vl = sizeof(v);
	CHECK_OK(getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl));
	CHECK_EQ(v, 1);
	close(fd);
}

static void test_connect_accept(int family)
{
	union addr a, b, c;
	socklen_t len, l;
	int lfd = listener(family, &a, &len);
	int cfd, sfd;

	ASSERT_OK(cfd = socket(family, SOCK_STREAM, 0));
	CHECK_ERRNO(connect(cfd, &a.sa, family == AF_INET ? 15 : 23), -1, EINVAL);
	ASSERT_OK(connect(cfd, &a.sa, len));
	CHECK_ERRNO(connect(cfd, &a.sa, len), -1, EISCONN);
	/* accept4 with the peer's address and flags. */
	l = sizeof(b);
	ASSERT_OK(sfd = accept4(lfd, &b.sa, &l, SOCK_NONBLOCK | SOCK_CLOEXEC));
	CHECK_EQ(l, len);
	CHECK_EQ(fcntl(sfd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	CHECK_EQ(fcntl(sfd, F_GETFD), FD_CLOEXEC);
	CHECK_ERRNO(accept4(lfd, NULL, NULL, 0x1234), -1, EINVAL);
	/* The peer of each end is the other's name. */
	l = sizeof(c);
	CHECK_OK(getsockname(cfd, &c.sa, &l));
	CHECK_EQ(l, len);
	CHECK_MEMEQ(&b, &c, len);
	l = sizeof(c);
	CHECK_OK(getpeername(cfd, &c.sa, &l));
	CHECK_MEMEQ(&a, &c, len);
	l = sizeof(c);
	CHECK_OK(getsockname(sfd, &c.sa, &l));
	CHECK_MEMEQ(&a, &c, len);
	/* A short buffer gets a truncated address and the full length. */
	l = 2;
	memset(&c, 0, sizeof(c));
	CHECK_OK(getpeername(cfd, &c.sa, &l));
	CHECK_EQ(l, len);
	CHECK_EQ(c.sa.sa_family, family);
	CHECK_EQ(port_of(&c), 0);

	/* Nothing more to accept: EAGAIN when non-blocking. */
	int fl = fcntl(lfd, F_GETFL);
	fcntl(lfd, F_SETFL, fl | O_NONBLOCK);
	CHECK_ERRNO(accept(lfd, NULL, NULL), -1, EAGAIN);
	fcntl(lfd, F_SETFL, fl);
	close(cfd);
	close(sfd);

	/* A non-blocking connect: EINPROGRESS or done at once; writable and
	 * SO_ERROR 0 when done; then EISCONN. */
	ASSERT_OK(cfd = socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0));
	int r = connect(cfd, &a.sa, len);
	if (r < 0)
		CHECK_EQ(errno, EINPROGRESS);
	struct pollfd p = { .fd = cfd, .events = POLLOUT };
	CHECK_EQ(poll(&p, 1, 5000), 1);
	CHECK_EQ(p.revents, POLLOUT);
	int err = -1;
	l = sizeof(err);
	CHECK_OK(getsockopt(cfd, SOL_SOCKET, SO_ERROR, &err, &l));
	CHECK_EQ(err, 0);
	/* A connect after one that returned EINPROGRESS reports the outcome
	 * once; then the socket is connected. */
	if (r < 0)
		CHECK_OK(connect(cfd, &a.sa, len));
	CHECK_ERRNO(connect(cfd, &a.sa, len), -1, EISCONN);
	/* The listener is readable while a connection waits. */
	p = (struct pollfd){ .fd = lfd, .events = POLLIN };
	CHECK_EQ(poll(&p, 1, 5000), 1);
	CHECK_EQ(p.revents, POLLIN);
	ASSERT_OK(sfd = accept(lfd, NULL, NULL));
	close(cfd);
	close(sfd);

	/* A closed port refuses, blocking or not. */
	int port = port_of(&a);
	close(lfd);
	loopback(family, &b, port);
	ASSERT_OK(cfd = socket(family, SOCK_STREAM, 0));
	CHECK_ERRNO(connect(cfd, &b.sa, len), -1, ECONNREFUSED);
	close(cfd);
	ASSERT_OK(cfd = socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0));
	r = connect(cfd, &b.sa, len);
	if (r < 0 && errno == EINPROGRESS) {
		p = (struct pollfd){ .fd = cfd, .events = POLLOUT };
		CHECK_EQ(poll(&p, 1, 5000), 1);
		CHECK(p.revents & (POLLERR | POLLHUP));
		l = sizeof(err);
		CHECK_OK(getsockopt(cfd, SOL_SOCKET, SO_ERROR, &err, &l));
		CHECK_EQ(err, ECONNREFUSED);
		/* SO_ERROR is cleared by reading it. */
		CHECK_OK(getsockopt(cfd, SOL_SOCKET, SO_ERROR, &err, &l));
		CHECK_EQ(err, 0);
	} else {
		CHECK_ERRNO(r, -1, ECONNREFUSED);
	}
	close(cfd);
}

static void test_data(int family)
{
	int c, s;
	char buf[64];
	connected(family, &c, &s);

	CHECK_EQ(send(c, "hello", 5, 0), 5);
	/* FIONREAD, MSG_PEEK, then the data. */
	struct pollfd p = { .fd = s, .events = POLLIN };
	CHECK_EQ(poll(&p, 1, 5000), 1);
	CHECK_EQ(p.revents, POLLIN);
	int n = -1;
	CHECK_OK(ioctl(s, FIONREAD, &n));
	CHECK_EQ(n, 5);
	CHECK_EQ(recv(s, buf, 3, MSG_PEEK), 3);
	CHECK_MEMEQ(buf, "hel", 3);
	CHECK_EQ(recv(s, buf, sizeof(buf), 0), 5);
	CHECK_MEMEQ(buf, "hello", 5);
	CHECK_ERRNO(recv(s, buf, sizeof(buf), MSG_DONTWAIT), -1, EAGAIN);
	n = -1;
	CHECK_OK(ioctl(s, FIONREAD, &n));
	CHECK_EQ(n, 0);

	/* read(2)/write(2), recvfrom's address is not filled for a
	 * connected stream. */
	CHECK_EQ(write(s, "abc", 3), 3);
	union addr from;
	socklen_t fl = sizeof(from);
	memset(&from, 0x55, sizeof(from));
	CHECK_EQ(recvfrom(c, buf, 2, MSG_WAITALL, &from.sa, &fl), 2);
	CHECK_MEMEQ(buf, "ab", 2);
	CHECK_EQ(read(c, buf, sizeof(buf)), 1);
	CHECK_EQ(buf[0], 'c');

	/* sendmsg/recvmsg with iovecs. */
	struct iovec iov[2] = { { "12", 2 }, { "345", 3 } };
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };
	CHECK_EQ(sendmsg(c, &m, 0), 5);
	char b1[2], b2[8];
	struct iovec riov[2] = { { b1, 2 }, { b2, 8 } };
	struct msghdr rm = { .msg_iov = riov, .msg_iovlen = 2 };
	CHECK_EQ(recvmsg(s, &rm, 0), 5);
	CHECK_MEMEQ(b1, "12", 2);
	CHECK_MEMEQ(b2, "345", 3);

	/* MSG_WAITALL waits for the whole buffer, written in pieces by a
	 * child. */
	pid_t pid = test_fork();
	if (pid == 0) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		for (int i = 0; i < 4; i++) {
			nanosleep(&ts, NULL);
			CHECK_EQ(send(c, "wxyz", 4, 0), 4);
		}
		child_exit();
	}
	CHECK_EQ(recv(s, buf, 16, MSG_WAITALL), 16);
	CHECK_MEMEQ(buf, "wxyzwxyzwxyzwxyz", 16);
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);

	/* MSG_TRUNC on a stream discards the data. */
	CHECK_EQ(send(c, "discard", 7, 0), 7);
	CHECK_EQ(poll(&p, 1, 5000), 1);
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(recv(s, buf, 4, MSG_TRUNC), 4);
	CHECK_EQ(buf[0], 0);
	CHECK_EQ(recv(s, buf, sizeof(buf), 0), 3);
	CHECK_MEMEQ(buf, "ard", 3);

	/* A large transfer through a blocking send and a reader child. */
	enum { BIG = 4 << 20 };
	pid = test_fork();
	if (pid == 0) {
		static char rb[65536];
		long total = 0;
		unsigned sum = 0;
		for (;;) {
			ssize_t r = recv(s, rb, sizeof(rb), 0);
			if (r <= 0) {
				CHECK_EQ(r, 0);
				break;
			}
			for (ssize_t i = 0; i < r; i++)
				sum += (unsigned char)rb[i] * (unsigned)((total + i) % 7 + 1);
			total += r;
		}
		CHECK_EQ(total, BIG);
		unsigned want = 0;
		for (long i = 0; i < BIG; i++)
			want += (unsigned char)(i * 31) * (unsigned)(i % 7 + 1);
		CHECK_EQ(sum, want);
		child_exit();
	}
	char *big = malloc(BIG);
	for (long i = 0; i < BIG; i++)
		big[i] = (char)(i * 31);
	CHECK_EQ(send(c, big, BIG, 0), BIG);
	free(big);
	CHECK_OK(shutdown(c, SHUT_WR));
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);

	/* After the peer's SHUT_WR: end of file, POLLIN|POLLRDHUP, and the
	 * other direction still works. */
	p = (struct pollfd){ .fd = s, .events = POLLIN | POLLRDHUP };
	CHECK_EQ(poll(&p, 1, 5000), 1);
	CHECK_EQ(p.revents, POLLIN | POLLRDHUP);
	CHECK_EQ(recv(s, buf, sizeof(buf), 0), 0);
	CHECK_EQ(recv(s, buf, sizeof(buf), 0), 0);
	CHECK_EQ(send(s, "back", 4, 0), 4);
	CHECK_EQ(recv(c, buf, sizeof(buf), 0), 4);
	/* Writing after our own SHUT_WR: EPIPE. */
	CHECK_ERRNO(send(c, "x", 1, MSG_NOSIGNAL), -1, EPIPE);
	CHECK_ERRNO(shutdown(c, 7), -1, EINVAL);
	close(c);
	close(s);

	/* epoll: a connection becomes readable when data arrives. */
	connected(family, &c, &s);
	int ep;
	ASSERT_OK(ep = epoll_create1(0));
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.u32 = 7 };
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev));
	CHECK_EQ(epoll_wait(ep, &ev, 1, 0), 0);
	pid = test_fork();
	if (pid == 0) {
		struct timespec ts = { 0, 30 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		CHECK_EQ(send(c, "e", 1, 0), 1);
		child_exit();
	}
	CHECK_EQ(epoll_wait(ep, &ev, 1, 5000), 1);
	CHECK_EQ(ev.events, EPOLLIN);
	CHECK_EQ(ev.data.u32, 7);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	close(ep);
	close(c);
	close(s);
}

static volatile sig_atomic_t got_pipe;
static void on_pipe(int sig) { (void)sig; got_pipe++; }

static void test_reset(int family)
{
	int c, s;
	char buf[16];

	/* Closing with unread data resets the connection: the peer's read
	 * is ECONNRESET, then end of file. */
	connected(family, &c, &s);
	CHECK_EQ(send(c, "unread", 6, 0), 6);
	struct pollfd p = { .fd = s, .events = POLLIN };
	CHECK_EQ(poll(&p, 1, 5000), 1);
	close(s);
	p = (struct pollfd){ .fd = c, .events = POLLIN };
	CHECK_EQ(poll(&p, 1, 5000), 1);
	CHECK(p.revents & POLLHUP);
	CHECK_ERRNO(recv(c, buf, sizeof(buf), 0), -1, ECONNRESET);
	CHECK_EQ(recv(c, buf, sizeof(buf), 0), 0);
	/* Writing then is EPIPE, with SIGPIPE unless MSG_NOSIGNAL. */
	CHECK_ERRNO(send(c, "x", 1, MSG_NOSIGNAL), -1, EPIPE);
	signal(SIGPIPE, on_pipe);
	got_pipe = 0;
	CHECK_ERRNO(write(c, "x", 1), -1, EPIPE);
	CHECK_EQ(got_pipe, 1);
	CHECK_ERRNO(send(c, "x", 1, 0), -1, EPIPE);
	CHECK_EQ(got_pipe, 2);
	signal(SIGPIPE, SIG_DFL);
	close(c);

	/* SO_LINGER with a zero timeout resets at close; the peer's first
	 * write after that is ECONNRESET... or EPIPE if it saw the reset
	 * first; its read is ECONNRESET. */
	connected(family, &c, &s);
	struct linger lg = { 1, 0 };
	CHECK_OK(setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	close(c);
	p = (struct pollfd){ .fd = s, .events = POLLIN };
	CHECK_EQ(poll(&p, 1, 5000), 1);
	CHECK(p.revents & (POLLERR | POLLHUP));
	int err = -1;
	socklen_t l = sizeof(err);
	CHECK_OK(getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &l));
	CHECK_EQ(err, ECONNRESET);
	CHECK_EQ(recv(s, buf, sizeof(buf), 0), 0);
	close(s);
}

static void test_v4mapped(void)
{
	/* An IPv6 socket bound to :: takes IPv4 connections, and names
	 * them as v4-mapped addresses. */
	int l6, c4, s;
	union addr a, b;
	ASSERT_OK(l6 = socket(AF_INET6, SOCK_STREAM, 0));
	int v;
	socklen_t vl = sizeof(v);
	CHECK_OK(getsockopt(l6, IPPROTO_IPV6, IPV6_V6ONLY, &v, &vl));
	CHECK_EQ(v, 0);
	memset(&a, 0, sizeof(a));
	a.in6.sin6_family = AF_INET6;
	a.in6.sin6_addr = in6addr_any;
	ASSERT_OK(bind(l6, &a.sa, sizeof(a.in6)));
	ASSERT_OK(listen(l6, 1));
	socklen_t l = sizeof(a);
	ASSERT_OK(getsockname(l6, &a.sa, &l));
	ASSERT_OK(c4 = socket(AF_INET, SOCK_STREAM, 0));
	loopback(AF_INET, &b, port_of(&a));
	ASSERT_OK(connect(c4, &b.sa, sizeof(b.in)));
	l = sizeof(b);
	ASSERT_OK(s = accept(l6, &b.sa, &l));
	CHECK_EQ(l, sizeof(struct sockaddr_in6));
	CHECK_EQ(b.in6.sin6_family, AF_INET6);
	CHECK(IN6_IS_ADDR_V4MAPPED(&b.in6.sin6_addr));
	CHECK_EQ(b.in6.sin6_addr.s6_addr[15], 1);
	CHECK_EQ(b.in6.sin6_addr.s6_addr[12], 127);
	CHECK_EQ(send(c4, "m", 1, 0), 1);
	char ch;
	CHECK_EQ(recv(s, &ch, 1, 0), 1);
	CHECK_EQ(ch, 'm');
	close(s);
	close(c4);
	/* IPV6_V6ONLY cannot change once bound. */
	v = 1;
	CHECK_ERRNO(setsockopt(l6, IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof(v)), -1, EINVAL);
	close(l6);

	/* With IPV6_V6ONLY, a v4-mapped address cannot be bound. */
	ASSERT_OK(l6 = socket(AF_INET6, SOCK_STREAM, 0));
	v = 1;
	CHECK_OK(setsockopt(l6, IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof(v)));
	memset(&a, 0, sizeof(a));
	a.in6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &a.in6.sin6_addr);
	CHECK_ERRNO(bind(l6, &a.sa, sizeof(a.in6)), -1, EINVAL);
	close(l6);
}

int main(void)
{
	test_create();
	test_bind(AF_INET);
	test_bind(AF_INET6);
	test_connect_accept(AF_INET);
	test_connect_accept(AF_INET6);
	test_data(AF_INET);
	test_data(AF_INET6);
	test_reset(AF_INET);
	test_reset(AF_INET6);
	test_v4mapped();
	return test_done();
}
