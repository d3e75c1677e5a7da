//go:build ignore

/*
 * Non-blocking sockets: EAGAIN from recv, accept and connect (full
 * backlog), and from send once the send buffer is full, for SOCK_NONBLOCK,
 * O_NONBLOCK set with fcntl or FIONBIO, and MSG_DONTWAIT on a blocking
 * socket; a stream send that only partly fits returns the count; the
 * writer becomes writable again when the reader drains; a blocked
 * reader is woken by a writer, and a blocked writer by a reader.
 */
#include "testutil.h"
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>

static char big[1 << 20];

/* fill sends chunk-byte messages until EAGAIN; returns bytes sent. */
static long fill(int fd, size_t chunk)
{
	long total = 0;
	for (int i = 0; i < 100000; i++) {
		ssize_t n = send(fd, big, chunk, MSG_DONTWAIT);
		if (n < 0) {
			CHECK_EQ(errno, EAGAIN);
			return total;
		}
		total += n;
	}
	FAIL("send never filled the socket");
	return total;
}

static short revents(int fd, short ev)
{
	struct pollfd p = {fd, ev, 0};
	poll(&p, 1, 0);
	return p.revents;
}

int main(void)
{
	int sv[2];
	char buf[64];

	/* recv on an empty socket. */
	ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv));
	CHECK_ERRNO(recv(sv[0], buf, sizeof(buf), 0), -1, EAGAIN);
	CHECK_ERRNO(read(sv[0], buf, sizeof(buf)), -1, EAGAIN);
	/* Fill the stream: the last send is partial or EAGAIN; the writer
	 * is then not writable. */
	long total = fill(sv[0], 4096);
	CHECK_GT(total, 100000);
	CHECK_EQ(revents(sv[0], POLLOUT), 0);
	CHECK_ERRNO(write(sv[0], "x", 1), -1, EAGAIN);
	/* Draining makes it writable again. */
	long drained = 0;
	for (;;) {
		ssize_t n = recv(sv[1], big, sizeof(big), 0);
		if (n <= 0)
			break;
		drained += n;
	}
	CHECK_EQ(drained, total);
	CHECK_EQ(revents(sv[0], POLLOUT), POLLOUT);
	/* A send bigger than the room left returns what fit. */
	ssize_t n = send(sv[0], big, sizeof(big), 0);
	CHECK_GT(n, 0);
	CHECK_LT(n, (ssize_t)sizeof(big));
	close(sv[0]);
	close(sv[1]);

	/* O_NONBLOCK through fcntl and FIONBIO; MSG_DONTWAIT. */
	ASSERT_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	CHECK_ERRNO(recv(sv[0], buf, sizeof(buf), MSG_DONTWAIT), -1, EAGAIN);
	CHECK_EQ(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	CHECK_ERRNO(recv(sv[0], buf, sizeof(buf), 0), -1, EAGAIN);
	CHECK_EQ(fcntl(sv[0], F_SETFL, 0), 0);
	int on = 1;
	CHECK_EQ(ioctl(sv[0], FIONBIO, &on), 0);
	CHECK_ERRNO(recv(sv[0], buf, sizeof(buf), 0), -1, EAGAIN);
	CHECK_EQ(fcntl(sv[0], F_GETFL), O_RDWR | O_NONBLOCK);
	/* Datagrams fill the sender's buffer too. */
	total = fill(sv[1], 1000);
	CHECK_GT(total, 10000);
	CHECK_EQ(revents(sv[1], POLLOUT), 0);
	CHECK_EQ(recv(sv[0], buf, sizeof(buf), 0), sizeof(buf));
	close(sv[0]);
	close(sv[1]);

	/* A blocked reader is woken by a writer in another process. */
	ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid_t pid = test_fork();
	if (pid == 0) {
		usleep(50000);
		CHECK_EQ(send(sv[0], "wake", 4, 0), 4);
		child_exit();
	}
	CHECK_EQ(recv(sv[1], buf, sizeof(buf), 0), 4);
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	/* A blocked writer is woken when a reader drains: the child marks
	 * a pipe before it drains, and the send returns after that. */
	total = fill(sv[0], 65536);
	int mark[2];
	ASSERT_OK(pipe2(mark, O_NONBLOCK));
	pid = test_fork();
	if (pid == 0) {
		usleep(50000);
		CHECK_EQ(write(mark[1], "m", 1), 1);
		long got = 0;
		while (got < total + 5) {
			ssize_t r = recv(sv[1], big, sizeof(big), 0);
			if (r <= 0)
				break;
			got += r;
		}
		CHECK_EQ(got, total + 5);
		child_exit();
	}
	CHECK_EQ(send(sv[0], "after", 5, 0), 5);
	CHECK_EQ(read(mark[0], buf, 1), 1);
	close(mark[0]);
	close(mark[1]);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	close(sv[0]);
	close(sv[1]);

	/* accept and connect. */
	int l = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int k = snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "moat-nonblock-%d", getpid());
	socklen_t alen = offsetof(struct sockaddr_un, sun_path) + 1 + k;
	ASSERT_OK(bind(l, (struct sockaddr *)&a, alen));
	ASSERT_OK(listen(l, 1));
	CHECK_ERRNO(accept(l, NULL, NULL), -1, EAGAIN);
	int c1 = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int c2 = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int c3 = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK_EQ(connect(c1, (struct sockaddr *)&a, alen), 0);
	CHECK_EQ(connect(c2, (struct sockaddr *)&a, alen), 0);
	CHECK_ERRNO(connect(c3, (struct sockaddr *)&a, alen), -1, EAGAIN);
	int s1 = accept(l, NULL, NULL);
	CHECK_GE(s1, 0);
	CHECK_EQ(connect(c3, (struct sockaddr *)&a, alen), 0);
	/* An accepted socket does not inherit O_NONBLOCK. */
	CHECK_EQ(fcntl(s1, F_GETFL), O_RDWR);
	close(s1);
	close(c1);
	close(c2);
	close(c3);
	close(l);
	return test_done();
}
