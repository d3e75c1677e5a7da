//go:build ignore

/*
 * EPOLLONESHOT (epoll_ctl(2)): one report, then the interest is disabled
 * (still registered: ADD is EEXIST, DEL works) until EPOLL_CTL_MOD re-arms
 * it with new events and data; re-arming while ready reports at once; a
 * disabled interest wakes no waiter; with EPOLLET both rules hold.
 */
#include "testutil.h"
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

int main(void)
{
	int ep, efd, p[2];
	struct epoll_event e, out[4];
	uint64_t v = 1;

	ASSERT_OK(ep = epoll_create1(0));
	ASSERT_OK(efd = eventfd(0, EFD_NONBLOCK));
	memset(&e, 0, sizeof(e));
	e.events = EPOLLIN | EPOLLONESHOT;
	e.data.u64 = 0xaaaa;
	ASSERT_OK(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &e));
	CHECK_EQ(epoll_wait(ep, out, 4, 0), 0);
	CHECK_EQ(write(efd, &v, 8), 8);
	CHECK_EQ(epoll_wait(ep, out, 4, 0), 1);
	CHECK_EQ(out[0].events, EPOLLIN);
	CHECK_EQ(out[0].data.u64, 0xaaaa);
	/* Disabled: still ready, not reported; more writes change nothing. */
	CHECK_EQ(epoll_wait(ep, out, 4, 0), 0);
	CHECK_EQ(write(efd, &v, 8), 8);
	CHECK_EQ(epoll_wait(ep, out, 4, 0), 0);
	/* A disabled interest does not end a timed wait early. */
	long long t0 = now_ns();
	CHECK_EQ(epoll_wait(ep, out, 4, 40), 0);
	CHECK_GE(now_ns() - t0, 35 * 1000000LL);
	/* Still registered. */
	CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &e), -1, EEXIST);
	/* MOD re-arms with new data: ready now, reported at once. */
	e.events = EPOLLIN | EPOLLONESHOT;
	e.data.u64 = 0xbbbb;
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_MOD, efd, &e), 0);
	CHECK_EQ(epoll_wait(ep, out, 4, 0), 1);
	CHECK_EQ(out[0].data.u64, 0xbbbb);
	CHECK_EQ(epoll_wait(ep, out, 4, 0), 0);
	/* MOD without EPOLLONESHOT: level-triggered from now on. */
	e.events = EPOLLIN;
	e.data.u64 = 0xcccc;
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_MOD, efd, &e), 0);
	CHECK_EQ(epoll_wait(ep, out, 4, 0), 1);
	CHECK_EQ(epoll_wait(ep, out, 4, 0), 1);
	CHECK_EQ(out[0].data.u64, 0xcccc);
	/* Re-armed while not ready: reported on the next change only. */
	CHECK_EQ(read(efd, &v, 8), 8);
	CHECK_EQ(v, 2);
	e.events = EPOLLIN | EPOLLONESHOT;
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_MOD, efd, &e), 0);
	CHECK_EQ(epoll_wait(ep, out, 4, 0), 0);
	v = 5;
	CHECK_EQ(write(efd, &v, 8), 8);
	CHECK_EQ(epoll_wait(ep, out, 4, 0), 1);
	CHECK_EQ(epoll_wait(ep, out, 4, 0), 0);
	/* A disabled interest can be deleted, then added afresh. */
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_DEL, efd, NULL), 0);
	CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_DEL, efd, NULL), -1, ENOENT);
	e.events = EPOLLIN | EPOLLONESHOT;
	e.data.u64 = 0xdddd;
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &e), 0);
	CHECK_EQ(epoll_wait(ep, out, 4, 0), 1);
	CHECK_EQ(out[0].data.u64, 0xdddd);
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_DEL, efd, NULL), 0);

	/* One-shot covers EPOLLHUP too: a disabled interest reports no
	 * hang-up. */
	ASSERT_OK(pipe2(p, O_NONBLOCK));
	e.events = EPOLLIN | EPOLLONESHOT | EPOLLET;
	e.data.u64 = 0xeeee;
	ASSERT_OK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e));
	CHECK_EQ(write(p[1], "a", 1), 1);
	CHECK_EQ(epoll_wait(ep, out, 4, 0), 1);
	CHECK_EQ(out[0].events, EPOLLIN);
	close(p[1]);
	CHECK_EQ(epoll_wait(ep, out, 4, 0), 0);
	/* Re-armed: EPOLLIN|EPOLLHUP now, once. */
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &e), 0);
	CHECK_EQ(epoll_wait(ep, out, 4, 0), 1);
	CHECK_EQ(out[0].events, EPOLLIN | EPOLLHUP);
	CHECK_EQ(epoll_wait(ep, out, 4, 0), 0);
	close(p[0]);

	/* Two threads of control waiting: a one-shot event is delivered to
	 * one waiter only. */
	ASSERT_OK(pipe2(p, O_NONBLOCK));
	e.events = EPOLLIN | EPOLLONESHOT;
	e.data.u64 = 0xffff;
	ASSERT_OK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e));
	int res[2];
	ASSERT_OK(pipe(res));
	pid_t kids[2];
	for (int i = 0; i < 2; i++) {
		kids[i] = test_fork();
		ASSERT_GE(kids[i], 0);
		if (kids[i] == 0) {
			char n = (char)epoll_wait(ep, out, 4, 2000);
			if (write(res[1], &n, 1) != 1)
				_exit(2);
			_exit(0);
		}
	}
	struct timespec ts = {0, 50 * 1000000L};
	nanosleep(&ts, NULL);
	CHECK_EQ(write(p[1], "b", 1), 1);
	int total = 0;
	for (int i = 0; i < 2; i++) {
		char n = -1;
		CHECK_EQ(read(res[0], &n, 1), 1);
		CHECK(n == 0 || n == 1);
		total += n;
		int st;
		CHECK_EQ(waitpid(kids[i], &st, 0), kids[i]);
		CHECK_CHILD_OK(st);
	}
	CHECK_EQ(total, 1);
	close(res[0]);
	close(res[1]);
	close(p[0]);
	close(p[1]);
	close(efd);
	close(ep);
	return test_done();
}
