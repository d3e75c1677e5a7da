//go:build ignore

/*
 * Edge-triggered epoll (epoll(7)) on pipes and sockets: an event is
 * reported once per change, a partial read does not re-arm it, every new
 * write does (even while data remains), EPOLLOUT edges come when space is
 * freed, and level-triggered interests in the same instance keep
 * reporting.
 */
#include "testutil.h"
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>

static int wait0(int ep, struct epoll_event *out, int n)
{
	return epoll_wait(ep, out, n, 0);
}

int main(void)
{
	int ep, p[2];
	struct epoll_event e, out[4];
	char buf[65536];

	ASSERT_OK(ep = epoll_create1(0));
	ASSERT_OK(pipe2(p, O_NONBLOCK));
	memset(&e, 0, sizeof(e));
	e.events = EPOLLIN | EPOLLET;
	e.data.u32 = 1;
	ASSERT_OK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e));
	CHECK_EQ(wait0(ep, out, 4), 0);

	/* One write: one report. */
	CHECK_EQ(write(p[1], "abcdef", 6), 6);
	CHECK_EQ(wait0(ep, out, 4), 1);
	CHECK_EQ(out[0].events, EPOLLIN);
	CHECK_EQ(out[0].data.u32, 1);
	CHECK_EQ(wait0(ep, out, 4), 0);
	/* A partial read is no new edge, though data remains. */
	CHECK_EQ(read(p[0], buf, 2), 2);
	CHECK_EQ(wait0(ep, out, 4), 0);
	/* Another write is an edge even though the pipe was not empty. */
	CHECK_EQ(write(p[1], "g", 1), 1);
	CHECK_EQ(wait0(ep, out, 4), 1);
	CHECK_EQ(wait0(ep, out, 4), 0);
	/* Two writes before a wait: still one report. */
	CHECK_EQ(write(p[1], "h", 1), 1);
	CHECK_EQ(write(p[1], "i", 1), 1);
	CHECK_EQ(wait0(ep, out, 4), 1);
	CHECK_EQ(wait0(ep, out, 4), 0);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 7);

	/* EPOLLOUT edges on the write end. */
	e.events = EPOLLOUT | EPOLLET;
	e.data.u32 = 2;
	ASSERT_OK(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &e));
	CHECK_EQ(wait0(ep, out, 4), 1); /* writable when added */
	CHECK_EQ(out[0].events, EPOLLOUT);
	CHECK_EQ(out[0].data.u32, 2);
	CHECK_EQ(wait0(ep, out, 4), 0);
	/* Fill the pipe: the write end stops being writable, and the read
	 * end gets its edge. */
	memset(buf, 'z', sizeof(buf));
	CHECK_EQ(write(p[1], buf, sizeof(buf)), 65536);
	CHECK_EQ(wait0(ep, out, 4), 1);
	CHECK_EQ(out[0].data.u32, 1);
	CHECK_EQ(wait0(ep, out, 4), 0);
	/* Reading a page frees a slot: an EPOLLOUT edge. */
	CHECK_EQ(read(p[0], buf, 4096), 4096);
	CHECK_EQ(wait0(ep, out, 4), 1);
	CHECK_EQ(out[0].events, EPOLLOUT);
	CHECK_EQ(out[0].data.u32, 2);
	CHECK_EQ(wait0(ep, out, 4), 0);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 65536 - 4096);
	/* A read from a pipe that was not full is no edge. */
	CHECK_EQ(wait0(ep, out, 4), 0);
	/* The writer's close is an edge: EPOLLHUP, reported once. */
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL), 0);
	close(p[1]);
	CHECK_EQ(wait0(ep, out, 4), 1);
	CHECK_EQ(out[0].events, EPOLLHUP);
	CHECK_EQ(wait0(ep, out, 4), 0);
	close(p[0]);

	/* A stream socket pair, ET and LT side by side. */
	int sv[2];
	ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv));
	e.events = EPOLLIN | EPOLLET | EPOLLRDHUP;
	e.data.u32 = 10;
	ASSERT_OK(epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &e));
	e.events = EPOLLIN;
	e.data.u32 = 11;
	ASSERT_OK(epoll_ctl(ep, EPOLL_CTL_ADD, sv[1], &e));
	CHECK_EQ(wait0(ep, out, 4), 0);
	CHECK_EQ(write(sv[1], "x", 1), 1);
	CHECK_EQ(write(sv[0], "y", 1), 1);
	CHECK_EQ(wait0(ep, out, 4), 2);
	/* Only the level-triggered one is reported again. */
	CHECK_EQ(wait0(ep, out, 4), 1);
	CHECK_EQ(out[0].data.u32, 11);
	CHECK_EQ(wait0(ep, out, 4), 1);
	CHECK_EQ(read(sv[1], buf, 1), 1);
	CHECK_EQ(wait0(ep, out, 4), 0);
	/* The peer's shutdown is an edge with EPOLLRDHUP. */
	CHECK_OK(shutdown(sv[1], SHUT_WR));
	CHECK_EQ(wait0(ep, out, 4), 1);
	CHECK_EQ(out[0].data.u32, 10);
	CHECK_EQ(out[0].events, EPOLLIN | EPOLLRDHUP);
	CHECK_EQ(wait0(ep, out, 4), 0);
	close(sv[0]);
	close(sv[1]);

	/* A blocked ET waiter is woken by a write from another thread of
	 * control (a child process). */
	ASSERT_OK(pipe2(p, O_NONBLOCK));
	e.events = EPOLLIN | EPOLLET;
	e.data.u32 = 20;
	ASSERT_OK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e));
	pid_t pid = test_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct timespec ts = {0, 30 * 1000000L};
		nanosleep(&ts, NULL);
		CHECK_EQ(write(p[1], "w", 1), 1);
		child_exit();
	}
	CHECK_EQ(epoll_wait(ep, out, 4, 5000), 1);
	CHECK_EQ(out[0].data.u32, 20);
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	close(p[0]);
	close(p[1]);
	close(ep);
	return test_done();
}
