//go:build ignore

/*
 * SOCK_DGRAM: socketpairs and bound sockets. Message boundaries, MSG_TRUNC
 * (flag and full length), zero-length datagrams, FIONREAD as the next
 * datagram's size, EMSGSIZE, sendto/recvfrom addresses with abstract
 * names, connect and AF_UNSPEC disconnect, EPERM for a socket connected
 * elsewhere, the receive-queue limit for senders that are not the
 * receiver's peer, and ECONNREFUSED then ENOTCONN after the peer of a
 * pair closes.
 */
#include "testutil.h"
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>

/* abstract fills a with an abstract name unique to this process. */
static socklen_t abstract(struct sockaddr_un *a, const char *name)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	int n = snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "moat-dgram-%d-%s", getpid(), name);
	return offsetof(struct sockaddr_un, sun_path) + 1 + n;
}

int main(void)
{
	int sv[2], v;
	char buf[64];

	ASSERT_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	CHECK_EQ(send(sv[0], "one", 3, 0), 3);
	CHECK_EQ(send(sv[0], "twotwo", 6, 0), 6);
	CHECK_EQ(send(sv[0], "", 0, 0), 0);
	CHECK_EQ(ioctl(sv[1], FIONREAD, &v), 0);
	CHECK_EQ(v, 3);
	/* Boundaries are kept; a short buffer drops the rest. */
	CHECK_EQ(recv(sv[1], buf, sizeof(buf), 0), 3);
	CHECK_MEMEQ(buf, "one", 3);
	CHECK_EQ(recv(sv[1], buf, 2, MSG_PEEK), 2);
	CHECK_EQ(recv(sv[1], buf, 2, MSG_PEEK | MSG_TRUNC), 6);
	struct iovec iov = {buf, 4};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	CHECK_EQ(recvmsg(sv[1], &m, 0), 4);
	CHECK_EQ(m.msg_flags, MSG_TRUNC);
	CHECK_MEMEQ(buf, "twot", 4);
	/* The zero-length datagram is a datagram. */
	CHECK_EQ(ioctl(sv[1], FIONREAD, &v), 0);
	CHECK_EQ(v, 0);
	m.msg_flags = -1;
	CHECK_EQ(recvmsg(sv[1], &m, MSG_DONTWAIT), 0);
	CHECK_EQ(m.msg_flags, 0);
	CHECK_ERRNO(recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), -1, EAGAIN);
	/* read(2) takes one datagram and drops what does not fit. */
	CHECK_EQ(write(sv[1], "abcdef", 6), 6);
	CHECK_EQ(write(sv[1], "gh", 2), 2);
	CHECK_EQ(read(sv[0], buf, 3), 3);
	CHECK_EQ(read(sv[0], buf, sizeof(buf)), 2);
	CHECK_MEMEQ(buf, "gh", 2);
	/* Too big for the send buffer. */
	int sndbuf;
	socklen_t l = sizeof(sndbuf);
	CHECK_EQ(getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, &l), 0);
	static char big[1 << 20];
	CHECK_ERRNO(send(sv[0], big, sndbuf, 0), -1, EMSGSIZE);
	CHECK_EQ(send(sv[0], big, sndbuf - 32, 0), sndbuf - 32);
	CHECK_EQ(recv(sv[1], big, sizeof(big), 0), sndbuf - 32);
	/* sendto with an address goes there even on a connected socket: an
	 * unknown abstract name is refused; a bare family is EINVAL. */
	struct sockaddr_un a;
	socklen_t alen = abstract(&a, "nobody");
	CHECK_ERRNO(sendto(sv[0], "x", 1, 0, (struct sockaddr *)&a, alen), -1, ECONNREFUSED);
	CHECK_ERRNO(sendto(sv[0], "x", 1, 0, (struct sockaddr *)&a, 1), -1, EINVAL);
	CHECK_ERRNO(sendto(sv[0], "x", 1, 0, (struct sockaddr *)&a, sizeof(sa_family_t)), -1, EINVAL);
	/* The pair's peer closes: the next send is refused and disconnects,
	 * dropping what was queued; then the socket is not connected. */
	CHECK_EQ(send(sv[0], "queued", 6, 0), 6);
	CHECK_EQ(close(sv[0]), 0);
	CHECK_ERRNO(send(sv[1], "x", 1, 0), -1, ECONNREFUSED);
	CHECK_ERRNO(recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), -1, EAGAIN);
	CHECK_ERRNO(send(sv[1], "x", 1, 0), -1, ENOTCONN);
	struct sockaddr_un pa;
	socklen_t pl = sizeof(pa);
	CHECK_ERRNO(getpeername(sv[1], (struct sockaddr *)&pa, &pl), -1, ENOTCONN);
	close(sv[1]);

	/* Bound sockets with abstract names. */
	int r = socket(AF_UNIX, SOCK_DGRAM, 0), s = socket(AF_UNIX, SOCK_DGRAM, 0);
	ASSERT_OK(r);
	ASSERT_OK(s);
	alen = abstract(&a, "r");
	ASSERT_OK(bind(r, (struct sockaddr *)&a, alen));
	CHECK_ERRNO(send(s, "x", 1, 0), -1, ENOTCONN);
	CHECK_EQ(sendto(s, "hi", 2, 0, (struct sockaddr *)&a, alen), 2);
	/* An unbound sender has no address. */
	struct sockaddr_un from;
	socklen_t fl = sizeof(from);
	CHECK_EQ(recvfrom(r, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl), 2);
	CHECK_EQ(fl, 0);
	struct sockaddr_un sa;
	socklen_t slen = abstract(&sa, "s");
	ASSERT_OK(bind(s, (struct sockaddr *)&sa, slen));
	CHECK_EQ(sendto(s, "hi", 2, 0, (struct sockaddr *)&a, alen), 2);
	fl = sizeof(from);
	memset(&from, 0, sizeof(from));
	CHECK_EQ(recvfrom(r, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl), 2);
	CHECK_EQ(fl, slen);
	CHECK_MEMEQ(&from, &sa, slen);
	/* A short address buffer is filled as far as it goes. */
	CHECK_EQ(sendto(s, "hi", 2, 0, (struct sockaddr *)&a, alen), 2);
	fl = 4;
	memset(&from, 0, sizeof(from));
	CHECK_EQ(recvfrom(r, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl), 2);
	CHECK_EQ(fl, slen);
	CHECK_EQ(from.sun_path[2], 0);
	/* Reply to the sender's address. */
	CHECK_EQ(sendto(r, "ok", 2, 0, (struct sockaddr *)&sa, slen), 2);
	CHECK_EQ(recv(s, buf, sizeof(buf), 0), 2);

	/* connect sets the default destination; getpeername shows it. */
	ASSERT_OK(connect(s, (struct sockaddr *)&a, alen));
	pl = sizeof(pa);
	CHECK_EQ(getpeername(s, (struct sockaddr *)&pa, &pl), 0);
	CHECK_EQ(pl, alen);
	CHECK_EQ(send(s, "c", 1, 0), 1);
	CHECK_EQ(recv(r, buf, sizeof(buf), 0), 1);
	/* r is not connected back, so others may still send to r. */
	int t = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK_EQ(sendto(t, "t", 1, 0, (struct sockaddr *)&a, alen), 1);
	CHECK_EQ(recv(r, buf, sizeof(buf), 0), 1);
	/* Once r connects to s, only s may send to r (EPERM), and t may
	 * not connect to r either. */
	ASSERT_OK(connect(r, (struct sockaddr *)&sa, slen));
	CHECK_ERRNO(sendto(t, "t", 1, 0, (struct sockaddr *)&a, alen), -1, EPERM);
	CHECK_ERRNO(connect(t, (struct sockaddr *)&a, alen), -1, EPERM);
	CHECK_EQ(send(s, "c", 1, 0), 1);
	CHECK_EQ(recv(r, buf, sizeof(buf), 0), 1);
	/* AF_UNSPEC disconnects. */
	struct sockaddr unspec = {.sa_family = AF_UNSPEC};
	CHECK_EQ(connect(r, &unspec, sizeof(unspec)), 0);
	CHECK_ERRNO(send(r, "x", 1, 0), -1, ENOTCONN);
	CHECK_EQ(sendto(t, "t", 1, 0, (struct sockaddr *)&a, alen), 1);
	CHECK_EQ(recv(r, buf, sizeof(buf), 0), 1);
	CHECK_ERRNO(connect(r, &unspec, 1), -1, EINVAL);
	/* Types are separate: a stream socket cannot reach a datagram name. */
	int st = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_ERRNO(connect(st, (struct sockaddr *)&a, alen), -1, ECONNREFUSED);
	close(st);
	/* Datagram sockets do not listen or accept. */
	CHECK_ERRNO(listen(r, 1), -1, EOPNOTSUPP);
	CHECK_ERRNO(accept(r, NULL, NULL), -1, EOPNOTSUPP);

	/* The receive queue of a socket not connected back to the sender
	 * holds max_dgram_qlen (10) + 1 datagrams; a non-blocking sender
	 * then gets EAGAIN, and a connected one is not writable. */
	int u = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	int sent = 0;
	while (sendto(u, "q", 1, 0, (struct sockaddr *)&a, alen) == 1)
		sent++;
	CHECK_EQ(errno, EAGAIN);
	CHECK_EQ(sent, 11);
	CHECK_ERRNO(sendto(t, "q", 1, MSG_DONTWAIT, (struct sockaddr *)&a, alen), -1, EAGAIN);
	CHECK_EQ(recv(r, buf, sizeof(buf), 0), 1);
	CHECK_EQ(sendto(u, "q", 1, 0, (struct sockaddr *)&a, alen), 1);
	for (int i = 0; i < 11; i++)
		CHECK_EQ(recv(r, buf, sizeof(buf), 0), 1);
	CHECK_ERRNO(recv(r, buf, sizeof(buf), MSG_DONTWAIT), -1, EAGAIN);

	/* Closing a bound socket frees its name. */
	CHECK_EQ(close(r), 0);
	CHECK_ERRNO(sendto(t, "t", 1, 0, (struct sockaddr *)&a, alen), -1, ECONNREFUSED);
	/* s was connected to r: the next send is refused. */
	CHECK_ERRNO(send(s, "x", 1, 0), -1, ECONNREFUSED);
	CHECK_ERRNO(send(s, "x", 1, 0), -1, ENOTCONN);
	r = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK_EQ(bind(r, (struct sockaddr *)&a, alen), 0);
	close(r);
	close(s);
	close(t);
	close(u);
	return test_done();
}
