//go:build ignore

/*
 * Nested epoll (epoll(7)): an epoll instance inside another is readable
 * (EPOLLIN) while it has ready events, its events are not consumed by the
 * outer wait, a loop is ELOOP, a chain deeper than the limit (5 instances)
 * is ELOOP, and poll/select see an epoll fd's readiness.
 */
#include "testutil.h"
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

static int add(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event e;
	memset(&e, 0, sizeof(e));
	e.events = events;
	e.data.u64 = data;
	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
}

int main(void)
{
	int outer, inner, efd;
	struct epoll_event out[4];
	uint64_t v = 1;

	ASSERT_OK(outer = epoll_create1(0));
	ASSERT_OK(inner = epoll_create1(0));
	ASSERT_OK(efd = eventfd(0, EFD_NONBLOCK));
	CHECK_EQ(add(inner, efd, EPOLLIN, 1), 0);
	CHECK_EQ(add(outer, inner, EPOLLIN, 2), 0);
	CHECK_EQ(epoll_wait(outer, out, 4, 0), 0);

	/* The inner instance becomes readable. */
	CHECK_EQ(write(efd, &v, 8), 8);
	CHECK_EQ(epoll_wait(outer, out, 4, 0), 1);
	CHECK_EQ(out[0].events, EPOLLIN);
	CHECK_EQ(out[0].data.u64, 2);
	/* The outer wait did not consume the inner event. */
	CHECK_EQ(epoll_wait(inner, out, 4, 0), 1);
	CHECK_EQ(out[0].data.u64, 1);
	/* poll on an epoll fd: POLLIN while it has events; never POLLOUT. */
	struct pollfd pf = {inner, POLLIN | POLLOUT, 0};
	CHECK_EQ(poll(&pf, 1, 0), 1);
	CHECK_EQ(pf.revents, POLLIN);
	CHECK_EQ(read(efd, &v, 8), 8);
	CHECK_EQ(poll(&pf, 1, 0), 0);
	CHECK_EQ(epoll_wait(outer, out, 4, 0), 0);

	/* A blocked outer wait is woken by an event two levels down. */
	pid_t pid = test_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct timespec ts = {0, 30 * 1000000L};
		nanosleep(&ts, NULL);
		v = 3;
		CHECK_EQ(write(efd, &v, 8), 8);
		child_exit();
	}
	CHECK_EQ(epoll_wait(outer, out, 4, 5000), 1);
	CHECK_EQ(out[0].data.u64, 2);
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	CHECK_EQ(read(efd, &v, 8), 8);
	CHECK_EQ(v, 3);

	/* Edge-triggered outer interest in the inner instance. */
	struct epoll_event e;
	memset(&e, 0, sizeof(e));
	e.events = EPOLLIN | EPOLLET;
	e.data.u64 = 4;
	CHECK_EQ(epoll_ctl(outer, EPOLL_CTL_MOD, inner, &e), 0);
	v = 1;
	CHECK_EQ(write(efd, &v, 8), 8);
	CHECK_EQ(epoll_wait(outer, out, 4, 0), 1);
	CHECK_EQ(out[0].data.u64, 4);
	CHECK_EQ(epoll_wait(outer, out, 4, 0), 0);
	CHECK_EQ(read(efd, &v, 8), 8);

	/* Loops: directly, and through a third instance. */
	CHECK_ERRNO(add(inner, outer, EPOLLIN, 0), -1, ELOOP);
	int third;
	ASSERT_OK(third = epoll_create1(0));
	CHECK_EQ(add(inner, third, EPOLLIN, 0), 0);
	CHECK_ERRNO(add(third, outer, EPOLLIN, 0), -1, ELOOP);
	/* Adding the same instance twice is EEXIST, not a loop. */
	CHECK_ERRNO(add(inner, third, EPOLLIN, 0), -1, EEXIST);
	/* After a DEL, the former loop is allowed. */
	CHECK_EQ(epoll_ctl(inner, EPOLL_CTL_DEL, third, NULL), 0);
	CHECK_EQ(add(third, outer, EPOLLIN, 0), 0);
	/* Closing third drops its interest in outer, but outer still
	 * watches inner: inner watching outer stays a loop. */
	close(third);
	CHECK_ERRNO(add(inner, outer, EPOLLIN, 0), -1, ELOOP);

	/* Depth: a chain of 5 instances is the most (4 links). */
	int ch[6];
	for (int i = 0; i < 6; i++)
		ASSERT_OK(ch[i] = epoll_create1(0));
	for (int i = 0; i < 4; i++)
		CHECK_EQ(add(ch[i], ch[i + 1], EPOLLIN, 0), 0);
	CHECK_ERRNO(add(ch[4], ch[5], EPOLLIN, 0), -1, ELOOP);
	/* Adding the chain's head below another is too deep as well. */
	CHECK_ERRNO(add(ch[5], ch[0], EPOLLIN, 0), -1, ELOOP);
	/* A file at the bottom of the longest chain is fine. */
	CHECK_EQ(add(ch[4], efd, EPOLLIN, 9), 0);
	CHECK_EQ(write(efd, &v, 8), 8);
	CHECK_EQ(epoll_wait(ch[0], out, 4, 0), 1);
	for (int i = 0; i < 6; i++)
		close(ch[i]);

	close(efd);
	close(inner);
	close(outer);
	return test_done();
}
