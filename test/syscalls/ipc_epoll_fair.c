//go:build ignore

/*
 * epoll_wait details (epoll_wait(2), epoll(7)): with more ready
 * level-triggered interests than maxevents, successive waits go round all
 * of them (reported ones move to the back); events of one interest come
 * back in one record; an eventfd's EPOLLOUT edges come with reads;
 * EFAULT for a bad events buffer (the event is not lost); EINVAL for
 * maxevents above INT_MAX / sizeof(struct epoll_event).
 */
#include "testutil.h"
#include <limits.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

int main(void)
{
	int ep, efd[4];
	struct epoll_event e, out[8];
	uint64_t v = 1;
	ASSERT_OK(ep = epoll_create1(0));
	for (int i = 0; i < 4; i++) {
		ASSERT_OK(efd[i] = eventfd(1, EFD_NONBLOCK));
		memset(&e, 0, sizeof(e));
		e.events = EPOLLIN;
		e.data.u32 = i;
		ASSERT_OK(epoll_ctl(ep, EPOLL_CTL_ADD, efd[i], &e));
	}
	/* Four ready, one at a time: each is reported once in four waits,
	 * and the fifth wait starts the round again. */
	int seen[4] = {0};
	uint32_t first = 99;
	for (int i = 0; i < 4; i++) {
		CHECK_EQ(epoll_wait(ep, out, 1, 0), 1);
		if (out[0].data.u32 < 4)
			seen[out[0].data.u32]++;
		if (i == 0)
			first = out[0].data.u32;
	}
	for (int i = 0; i < 4; i++)
		CHECK_EQ(seen[i], 1);
	CHECK_EQ(epoll_wait(ep, out, 1, 0), 1);
	CHECK_EQ(out[0].data.u32, first);
	/* Two at a time: the other three come before it again. */
	CHECK_EQ(epoll_wait(ep, out, 2, 0), 2);
	CHECK_NE(out[0].data.u32, first);
	CHECK_NE(out[1].data.u32, first);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 4);

	/* A bad buffer: EFAULT, and the event is still there. */
	CHECK_ERRNO(RAW(SYS_epoll_wait, ep, 8L, 8, 0), -1, EFAULT);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 4);
	/* maxevents too large: EINVAL. */
	CHECK_ERRNO(RAW(SYS_epoll_wait, ep, out, INT_MAX / (int)sizeof(struct epoll_event) + 1, 0),
		    -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_epoll_wait, ep, out, -1, 0), -1, EINVAL);

	/* One interest, several events: one record. */
	for (int i = 1; i < 4; i++)
		CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_DEL, efd[i], NULL), 0);
	e.events = EPOLLIN | EPOLLOUT;
	e.data.u32 = 0;
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_MOD, efd[0], &e), 0);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 1);
	CHECK_EQ(out[0].events, EPOLLIN | EPOLLOUT);

	/* Edge-triggered EPOLLOUT on an eventfd: a read is an edge (Linux
	 * wakes writers on every read); a write is not, as its wake-up
	 * carries only EPOLLIN. */
	e.events = EPOLLOUT | EPOLLET;
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_MOD, efd[0], &e), 0);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 1);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 0);
	CHECK_EQ(read(efd[0], &v, 8), 8);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 1);
	CHECK_EQ(out[0].events, EPOLLOUT);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 0);
	v = 1;
	CHECK_EQ(write(efd[0], &v, 8), 8);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 0);
	CHECK_EQ(read(efd[0], &v, 8), 8);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 1);
	for (int i = 0; i < 4; i++)
		close(efd[i]);
	close(ep);
	return test_done();
}
