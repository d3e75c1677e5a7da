//go:build ignore

/*
 * shutdown(2) on unix sockets and its effect on both ends. SHUT_WR: the
 * peer reads what was sent, then EOF; further sends are EPIPE (SIGPIPE
 * for streams only). SHUT_RD: reads return EOF once the queue is empty,
 * and the peer's sends are EPIPE. SHUT_RDWR both. Datagram sockets only
 * shut themselves. Invalid how is EINVAL; an unconnected socket may be
 * shut down.
 */
#include "testutil.h"
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

static volatile sig_atomic_t sigpipes;
static void on_sigpipe(int sig)
{
	(void)sig;
	sigpipes++;
}

static short revents(int fd)
{
	struct pollfd p = {fd, POLLIN | POLLOUT | POLLRDHUP, 0};
	poll(&p, 1, 0);
	return p.revents;
}

int main(void)
{
	int sv[2];
	char buf[64];
	signal(SIGPIPE, on_sigpipe);

	/* Arguments. */
	ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_ERRNO(shutdown(sv[0], -1), -1, EINVAL);
	CHECK_ERRNO(shutdown(sv[0], 3), -1, EINVAL);
	int u = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_EQ(shutdown(u, SHUT_RDWR), 0);
	close(u);

	/* SHUT_WR on a stream. */
	CHECK_EQ(send(sv[0], "data", 4, 0), 4);
	CHECK_EQ(shutdown(sv[0], SHUT_WR), 0);
	CHECK_EQ(shutdown(sv[0], SHUT_WR), 0);
	CHECK_ERRNO(send(sv[0], "x", 1, 0), -1, EPIPE);
	CHECK_EQ(sigpipes, 1);
	CHECK_EQ(recv(sv[1], buf, sizeof(buf), 0), 4);
	CHECK_EQ(recv(sv[1], buf, sizeof(buf), 0), 0);
	CHECK_EQ(recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), 0);
	/* The other direction still works. */
	CHECK_EQ(send(sv[1], "back", 4, 0), 4);
	CHECK_EQ(recv(sv[0], buf, sizeof(buf), 0), 4);
	CHECK_EQ(revents(sv[0]), POLLOUT);
	CHECK_EQ(revents(sv[1]), POLLIN | POLLOUT | POLLRDHUP);
	close(sv[0]);
	close(sv[1]);

	/* SHUT_RD on a stream: queued data first, then EOF; the peer's
	 * sends are EPIPE with SIGPIPE. */
	ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_EQ(send(sv[1], "queued", 6, 0), 6);
	CHECK_EQ(shutdown(sv[0], SHUT_RD), 0);
	CHECK_EQ(revents(sv[0]), POLLIN | POLLOUT | POLLRDHUP);
	CHECK_EQ(recv(sv[0], buf, sizeof(buf), 0), 6);
	CHECK_EQ(recv(sv[0], buf, sizeof(buf), 0), 0);
	sigpipes = 0;
	CHECK_ERRNO(send(sv[1], "x", 1, 0), -1, EPIPE);
	CHECK_EQ(sigpipes, 1);
	CHECK_ERRNO(send(sv[1], "x", 1, MSG_NOSIGNAL), -1, EPIPE);
	CHECK_EQ(sigpipes, 1);
	/* sv[0] can still write. */
	CHECK_EQ(send(sv[0], "w", 1, 0), 1);
	CHECK_EQ(recv(sv[1], buf, sizeof(buf), 0), 1);
	/* SHUT_RDWR: EPOLLHUP on both. */
	CHECK_EQ(shutdown(sv[0], SHUT_RDWR), 0);
	CHECK_EQ(revents(sv[0]), POLLIN | POLLOUT | POLLRDHUP | POLLHUP);
	CHECK_EQ(revents(sv[1]), POLLIN | POLLOUT | POLLRDHUP | POLLHUP);
	CHECK_EQ(recv(sv[1], buf, sizeof(buf), 0), 0);
	close(sv[0]);
	close(sv[1]);

	/* A blocked reader is woken by the peer's shutdown. */
	ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid_t pid = test_fork();
	if (pid == 0) {
		usleep(50000);
		CHECK_EQ(shutdown(sv[0], SHUT_WR), 0);
		child_exit();
	}
	CHECK_EQ(recv(sv[1], buf, sizeof(buf), 0), 0);
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	close(sv[0]);
	close(sv[1]);

	/* A writer blocked on a full send buffer: the peer's SHUT_RD ends
	 * the wait with EPIPE; so does its own SHUT_WR from another process;
	 * the peer closing with data unread ends it with ECONNRESET. */
	static char big[1 << 20];
	signal(SIGPIPE, SIG_IGN);
	for (int c = 0; c < 3; c++) {
		ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
		while (send(sv[0], big, sizeof(big), MSG_DONTWAIT) > 0) {
		}
		if (c == 2)
			CHECK_EQ(send(sv[1], "u", 1, 0), 1);
		pid = test_fork();
		if (pid == 0) {
			usleep(50000);
			if (c == 0)
				CHECK_EQ(shutdown(sv[1], SHUT_RD), 0);
			else if (c == 1)
				CHECK_EQ(shutdown(sv[0], SHUT_WR), 0);
			child_exit();
		}
		if (c == 2)
			close(sv[1]);
		CHECK_ERRNO(send(sv[0], big, sizeof(big), 0), -1, c == 2 ? ECONNRESET : EPIPE);
		CHECK_EQ(waitpid(pid, &status, 0), pid);
		CHECK_CHILD_OK(status);
		close(sv[0]);
		if (c != 2)
			close(sv[1]);
	}
	signal(SIGPIPE, on_sigpipe);

	/* Seqpacket: like streams, without SIGPIPE. */
	ASSERT_OK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
	CHECK_EQ(shutdown(sv[1], SHUT_RD), 0);
	sigpipes = 0;
	CHECK_ERRNO(send(sv[0], "x", 1, 0), -1, EPIPE);
	CHECK_EQ(recv(sv[1], buf, sizeof(buf), 0), 0);
	CHECK_EQ(shutdown(sv[0], SHUT_WR), 0);
	CHECK_ERRNO(send(sv[0], "x", 1, 0), -1, EPIPE);
	CHECK_EQ(sigpipes, 0);
	close(sv[0]);
	close(sv[1]);

	/* Datagrams: SHUT_RD refuses senders (EPIPE, no signal); a
	 * blocking read of the empty queue is EOF, a non-blocking one
	 * EAGAIN; SHUT_WR stops this socket's sends only. */
	ASSERT_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	CHECK_EQ(send(sv[1], "before", 6, 0), 6);
	CHECK_EQ(shutdown(sv[0], SHUT_RD), 0);
	CHECK_ERRNO(send(sv[1], "x", 1, 0), -1, EPIPE);
	CHECK_EQ(recv(sv[0], buf, sizeof(buf), 0), 6);
	CHECK_ERRNO(recv(sv[0], buf, sizeof(buf), MSG_DONTWAIT), -1, EAGAIN);
	CHECK_EQ(recv(sv[0], buf, sizeof(buf), 0), 0);
	CHECK_EQ(read(sv[0], buf, sizeof(buf)), 0);
	CHECK_EQ(revents(sv[1]), POLLOUT);
	CHECK_EQ(send(sv[0], "x", 1, 0), 1);
	CHECK_EQ(shutdown(sv[0], SHUT_WR), 0);
	CHECK_ERRNO(send(sv[0], "x", 1, 0), -1, EPIPE);
	CHECK_EQ(sigpipes, 0);
	CHECK_EQ(recv(sv[1], buf, sizeof(buf), 0), 1);
	CHECK_ERRNO(recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), -1, EAGAIN);
	close(sv[0]);
	close(sv[1]);
	return test_done();
}
