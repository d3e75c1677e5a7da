//go:build ignore

/*
 * Readiness of unix sockets through epoll and poll: EPOLLOUT when there
 * is room, EPOLLIN with data or a pending connection, EPOLLRDHUP|EPOLLIN
 * after the peer shuts down writing, EPOLLHUP once both directions are
 * shut, EPOLLERR after a reset, EPOLLHUP|EPOLLOUT for an unconnected
 * stream socket; edge-triggered epoll reports each new write once; a
 * blocking epoll_wait is woken by another process's write.
 */
#include "testutil.h"
#include <poll.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>

#define ALL (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLPRI)

/* ready returns the events epoll reports for the single fd in ep. */
static unsigned ready(int ep)
{
	struct epoll_event ev[2];
	int n = epoll_wait(ep, ev, 2, 0);
	if (n < 0)
		FAIL("epoll_wait: errno %d", errno);
	return n == 1 ? ev[0].events : 0;
}

static int watch(int fd, unsigned events)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = events, .data.fd = fd};
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0)
		FATAL("epoll setup: errno %d", errno);
	return ep;
}

static short revents(int fd)
{
	struct pollfd p = {fd, POLLIN | POLLOUT | POLLRDHUP | POLLPRI, 0};
	poll(&p, 1, 0);
	return p.revents;
}

int main(void)
{
	int sv[2];
	char buf[64];

	ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	int e0 = watch(sv[0], ALL), e1 = watch(sv[1], ALL);
	CHECK_EQ(ready(e1), EPOLLOUT);
	CHECK_EQ(send(sv[0], "x", 1, 0), 1);
	CHECK_EQ(ready(e1), EPOLLIN | EPOLLOUT);
	CHECK_EQ(recv(sv[1], buf, sizeof(buf), 0), 1);
	CHECK_EQ(ready(e1), EPOLLOUT);
	/* The peer shuts down writing: EPOLLIN|EPOLLRDHUP here. */
	CHECK_EQ(shutdown(sv[0], SHUT_WR), 0);
	CHECK_EQ(ready(e1), EPOLLIN | EPOLLOUT | EPOLLRDHUP);
	CHECK_EQ(ready(e0), EPOLLOUT);
	/* Both directions shut: EPOLLHUP too. */
	CHECK_EQ(shutdown(sv[1], SHUT_WR), 0);
	CHECK_EQ(ready(e1), EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLHUP);
	CHECK_EQ(ready(e0), EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLHUP);
	close(e0);
	close(e1);
	close(sv[0]);
	close(sv[1]);

	/* The peer closes with data unread: EPOLLERR as well. */
	ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	e0 = watch(sv[0], ALL);
	CHECK_EQ(send(sv[0], "unread", 6, 0), 6);
	close(sv[1]);
	CHECK_EQ(ready(e0), EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLHUP | EPOLLERR);
	CHECK_EQ(revents(sv[0]), POLLIN | POLLOUT | POLLRDHUP | POLLHUP | POLLERR);
	int err;
	socklen_t l = sizeof(err);
	CHECK_EQ(getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &err, &l), 0);
	CHECK_EQ(err, ECONNRESET);
	CHECK_EQ(ready(e0), EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLHUP);
	close(e0);
	close(sv[0]);

	/* Unconnected stream: EPOLLOUT|EPOLLHUP; a datagram socket: OUT. */
	int u = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_EQ(revents(u), POLLOUT | POLLHUP);
	int d = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK_EQ(revents(d), POLLOUT);
	close(d);

	/* A listener: nothing, then EPOLLIN with a pending connection. */
	int l0 = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int k = snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "moat-epoll-%d", getpid());
	socklen_t alen = offsetof(struct sockaddr_un, sun_path) + 1 + k;
	ASSERT_OK(bind(l0, (struct sockaddr *)&a, alen));
	ASSERT_OK(listen(l0, 5));
	int el = watch(l0, ALL);
	CHECK_EQ(ready(el), 0);
	CHECK_EQ(connect(u, (struct sockaddr *)&a, alen), 0);
	CHECK_EQ(ready(el), EPOLLIN);
	CHECK_EQ(revents(u), POLLOUT);
	int s = accept(l0, NULL, NULL);
	CHECK_EQ(ready(el), 0);
	close(el);

	/* Edge-triggered: one event per write, none while nothing new. */
	int et = watch(s, EPOLLIN | EPOLLET);
	CHECK_EQ(ready(et), 0);
	CHECK_EQ(send(u, "a", 1, 0), 1);
	CHECK_EQ(ready(et), EPOLLIN);
	CHECK_EQ(ready(et), 0);
	CHECK_EQ(send(u, "b", 1, 0), 1);
	CHECK_EQ(ready(et), EPOLLIN);
	CHECK_EQ(recv(s, buf, sizeof(buf), 0), 2);
	CHECK_EQ(ready(et), 0);

	/* A blocking epoll_wait woken by another process's write. */
	pid_t pid = test_fork();
	if (pid == 0) {
		usleep(50000);
		CHECK_EQ(send(u, "late", 4, 0), 4);
		child_exit();
	}
	struct epoll_event ev;
	CHECK_EQ(epoll_wait(et, &ev, 1, 5000), 1);
	CHECK_EQ(ev.events, EPOLLIN);
	CHECK_EQ(ev.data.fd, s);
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	/* And by the peer closing. */
	CHECK_EQ(recv(s, buf, sizeof(buf), 0), 4);
	pid = test_fork();
	if (pid == 0) {
		usleep(50000);
		close(u);
		child_exit();
	}
	close(u);
	CHECK_EQ(epoll_wait(et, &ev, 1, 5000), 1);
	CHECK_EQ(ev.events, EPOLLIN | EPOLLHUP);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	close(et);

	/* Datagram pairs: writable until the sender's buffer is full. */
	ASSERT_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	e0 = watch(sv[0], ALL);
	CHECK_EQ(ready(e0), EPOLLOUT);
	static char big[8192];
	while (send(sv[0], big, sizeof(big), MSG_DONTWAIT) > 0) {
	}
	CHECK_EQ(ready(e0), 0);
	e1 = watch(sv[1], EPOLLIN);
	CHECK_EQ(ready(e1), EPOLLIN);
	while (recv(sv[1], big, sizeof(big), MSG_DONTWAIT) > 0) {
	}
	CHECK_EQ(ready(e0), EPOLLOUT);
	CHECK_EQ(ready(e1), 0);
	close(e0);
	close(e1);
	close(sv[0]);
	close(sv[1]);
	close(s);
	close(l0);
	return test_done();
}
