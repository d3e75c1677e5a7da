//go:build ignore

/*
 * SOCK_SEQPACKET: connection-oriented and record-preserving. Records keep
 * their boundaries and are truncated (MSG_TRUNC) like datagrams; reads of
 * an unconnected socket are ENOTCONN; the address of a send is ignored;
 * end of input reads 0; a send after the peer closed is EPIPE without
 * SIGPIPE; listen/accept/connect work as for streams, and types do not
 * mix (ECONNREFUSED for an abstract name; socket_path covers EPROTOTYPE).
 */
#include "testutil.h"
#include <poll.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>

static volatile sig_atomic_t sigpipes;
static void on_sigpipe(int sig)
{
	(void)sig;
	sigpipes++;
}

static socklen_t abstract(struct sockaddr_un *a, const char *name)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	int n = snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "moat-seqp-%d-%s", getpid(), name);
	return offsetof(struct sockaddr_un, sun_path) + 1 + n;
}

static short revents(int fd)
{
	struct pollfd p = {fd, POLLIN | POLLOUT | POLLRDHUP, 0};
	poll(&p, 1, 0);
	return p.revents;
}

int main(void)
{
	int sv[2], v;
	char buf[64];
	signal(SIGPIPE, on_sigpipe);

	ASSERT_OK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
	CHECK_EQ(send(sv[0], "first", 5, 0), 5);
	CHECK_EQ(send(sv[0], "second", 6, 0), 6);
	CHECK_EQ(send(sv[0], "", 0, 0), 0);
	/* FIONREAD counts every queued byte. */
	CHECK_EQ(ioctl(sv[1], FIONREAD, &v), 0);
	CHECK_EQ(v, 11);
	CHECK_EQ(recv(sv[1], buf, sizeof(buf), 0), 5);
	CHECK_MEMEQ(buf, "first", 5);
	struct iovec iov = {buf, 3};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	CHECK_EQ(recvmsg(sv[1], &m, 0), 3);
	CHECK_EQ(m.msg_flags, MSG_TRUNC);
	CHECK_EQ(recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), 0);
	CHECK_ERRNO(recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), -1, EAGAIN);
	CHECK_EQ(send(sv[1], "xyz", 3, 0), 3);
	CHECK_EQ(recv(sv[0], buf, 1, MSG_TRUNC), 3);
	/* The destination of a seqpacket send is ignored. */
	struct sockaddr_un a;
	socklen_t alen = abstract(&a, "nobody");
	CHECK_EQ(sendto(sv[0], "to", 2, 0, (struct sockaddr *)&a, alen), 2);
	CHECK_EQ(recv(sv[1], buf, sizeof(buf), 0), 2);
	/* Peer closes: queued records, then 0; sends are EPIPE, no signal. */
	CHECK_EQ(send(sv[1], "bye", 3, 0), 3);
	CHECK_EQ(close(sv[1]), 0);
	CHECK_EQ(revents(sv[0]), POLLIN | POLLOUT | POLLRDHUP | POLLHUP);
	CHECK_EQ(recv(sv[0], buf, sizeof(buf), 0), 3);
	CHECK_EQ(recv(sv[0], buf, sizeof(buf), 0), 0);
	CHECK_EQ(recv(sv[0], buf, sizeof(buf), MSG_DONTWAIT), 0);
	CHECK_ERRNO(send(sv[0], "x", 1, 0), -1, EPIPE);
	CHECK_ERRNO(write(sv[0], "x", 1), -1, EPIPE);
	CHECK_EQ(sigpipes, 0);
	close(sv[0]);

	/* Unconnected: ENOTCONN both ways, POLLHUP|POLLOUT. */
	int u = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	CHECK_ERRNO(recv(u, buf, sizeof(buf), MSG_DONTWAIT), -1, ENOTCONN);
	CHECK_ERRNO(send(u, "x", 1, 0), -1, ENOTCONN);
	CHECK_EQ(revents(u), POLLOUT | POLLHUP);

	/* listen/accept/connect. */
	int l = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	alen = abstract(&a, "listener");
	ASSERT_OK(bind(l, (struct sockaddr *)&a, alen));
	ASSERT_OK(listen(l, 4));
	CHECK_ERRNO(recv(l, buf, sizeof(buf), MSG_DONTWAIT), -1, ENOTCONN);
	CHECK_EQ(revents(l), 0);
	ASSERT_OK(connect(u, (struct sockaddr *)&a, alen));
	CHECK_EQ(revents(l), POLLIN);
	CHECK_EQ(send(u, "hello", 5, 0), 5);
	CHECK_EQ(send(u, "world!", 6, 0), 6);
	int c = accept(l, NULL, NULL);
	ASSERT_OK(c);
	CHECK_EQ(recv(c, buf, sizeof(buf), 0), 5);
	CHECK_EQ(recv(c, buf, sizeof(buf), 0), 6);
	CHECK_MEMEQ(buf, "world!", 6);
	int type = 0;
	socklen_t tl = sizeof(type);
	CHECK_EQ(getsockopt(c, SOL_SOCKET, SO_TYPE, &type, &tl), 0);
	CHECK_EQ(type, SOCK_SEQPACKET);
	/* Shutting down writes ends the peer's input. */
	CHECK_EQ(shutdown(u, SHUT_WR), 0);
	CHECK_EQ(recv(c, buf, sizeof(buf), 0), 0);
	CHECK_ERRNO(send(u, "x", 1, 0), -1, EPIPE);
	CHECK_EQ(sigpipes, 0);
	CHECK_EQ(send(c, "reply", 5, 0), 5);
	CHECK_EQ(recv(u, buf, sizeof(buf), 0), 5);

	/* Types do not mix: a stream socket cannot reach this name. */
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_ERRNO(connect(s, (struct sockaddr *)&a, alen), -1, ECONNREFUSED);
	close(s);
	close(c);
	close(u);
	close(l);
	return test_done();
}
