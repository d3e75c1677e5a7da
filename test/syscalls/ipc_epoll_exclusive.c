//go:build ignore

/*
 * EPOLLEXCLUSIVE (epoll_ctl(2)): allowed only with EPOLL_CTL_ADD, only
 * with EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLWAKEUP and EPOLLET, and
 * not on an epoll target (EINVAL); EPOLL_CTL_MOD of such an interest is
 * EINVAL even without the flag; DEL works; events are still reported.
 */
#include "testutil.h"
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

int main(void)
{
	int ep, ep2, efd, p[2];
	struct epoll_event e, out[4];
	uint64_t v = 1;

	ASSERT_OK(ep = epoll_create1(0));
	ASSERT_OK(ep2 = epoll_create1(0));
	ASSERT_OK(efd = eventfd(0, EFD_NONBLOCK));
	ASSERT_OK(pipe2(p, O_NONBLOCK));
	memset(&e, 0, sizeof(e));

	/* Flags that may not go with it. */
	static const uint32_t bad[] = {EPOLLONESHOT, EPOLLPRI, EPOLLRDHUP, EPOLLRDNORM,
				       EPOLLWRNORM, EPOLLMSG};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		e.events = EPOLLIN | EPOLLEXCLUSIVE | bad[i];
		CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &e), -1, EINVAL);
	}
	/* Not on an epoll instance. */
	e.events = EPOLLIN | EPOLLEXCLUSIVE;
	CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, ep2, &e), -1, EINVAL);
	/* MOD with the flag is EINVAL, whether registered or not. */
	CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_MOD, efd, &e), -1, EINVAL);
	/* The failed ADDs registered nothing. */
	CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_DEL, efd, NULL), -1, ENOENT);
	CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_DEL, ep2, NULL), -1, ENOENT);

	/* Allowed companions. */
	e.events = EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLET | EPOLLEXCLUSIVE;
	e.data.u64 = 7;
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &e), 0);
	e.events = EPOLLIN | EPOLLEXCLUSIVE;
	e.data.u64 = 8;
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e), 0);
	CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e), -1, EEXIST);
	/* MOD of an exclusive interest: EINVAL, even without the flag. */
	e.events = EPOLLIN;
	CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &e), -1, EINVAL);
	CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_MOD, efd, &e), -1, EINVAL);

	/* Events are reported as usual: the eventfd is writable (ET, once). */
	CHECK_EQ(epoll_wait(ep, out, 4, 0), 1);
	CHECK_EQ(out[0].events, EPOLLOUT);
	CHECK_EQ(out[0].data.u64, 7);
	CHECK_EQ(epoll_wait(ep, out, 4, 0), 0);
	CHECK_EQ(write(efd, &v, 8), 8);
	CHECK_EQ(epoll_wait(ep, out, 4, 0), 1);
	CHECK_EQ(out[0].events, EPOLLIN | EPOLLOUT);
	CHECK_EQ(write(p[1], "x", 1), 1);
	CHECK_EQ(epoll_wait(ep, out, 4, 0), 1);
	CHECK_EQ(out[0].events, EPOLLIN);
	CHECK_EQ(out[0].data.u64, 8);
	CHECK_EQ(epoll_wait(ep, out, 4, 0), 1); /* level-triggered */
	/* Hang-up is reported without being asked. */
	close(p[1]);
	CHECK_EQ(epoll_wait(ep, out, 4, 0), 1);
	CHECK_EQ(out[0].events, EPOLLIN | EPOLLHUP);

	close(p[0]);

	/* A blocked exclusive waiter is woken. */
	int q[2];
	ASSERT_OK(pipe2(q, O_NONBLOCK));
	int ep3;
	ASSERT_OK(ep3 = epoll_create1(0));
	e.events = EPOLLIN | EPOLLEXCLUSIVE;
	e.data.u64 = 9;
	ASSERT_OK(epoll_ctl(ep3, EPOLL_CTL_ADD, q[0], &e));
	pid_t pid = test_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct timespec ts = {0, 30 * 1000000L};
		nanosleep(&ts, NULL);
		CHECK_EQ(write(q[1], "y", 1), 1);
		child_exit();
	}
	CHECK_EQ(epoll_wait(ep3, out, 4, 5000), 1);
	CHECK_EQ(out[0].data.u64, 9);
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);

	/* DEL works. */
	CHECK_EQ(epoll_ctl(ep3, EPOLL_CTL_DEL, q[0], NULL), 0);
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_DEL, efd, NULL), 0);
	CHECK_EQ(epoll_wait(ep3, out, 4, 0), 0);
	close(q[0]);
	close(q[1]);
	close(ep3);
	close(ep);
	close(ep2);
	close(efd);
	return test_done();
}
