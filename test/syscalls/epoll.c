//go:build ignore

/*
 * epoll_create1, epoll_ctl, epoll_wait and epoll_pwait on a pipe and an
 * eventfd: errors, timeouts, level-triggered and edge-triggered readiness.
 */
#include "testutil.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

int main(void)
{
	int ep, p[2], ev;
	struct epoll_event e, out[8];
	uint64_t v;
	char c;

	ASSERT_OK(ep = RAW(SYS_epoll_create1, 0));
	CHECK_EQ(fcntl(ep, F_GETFD), 0);
	int ep2;
	ASSERT_OK(ep2 = RAW(SYS_epoll_create1, EPOLL_CLOEXEC));
	CHECK_EQ(fcntl(ep2, F_GETFD), FD_CLOEXEC);
	close(ep2);
	CHECK_ERRNO(RAW(SYS_epoll_create1, 1), -1, EINVAL);
	/* epoll_create: size must be positive. */
	CHECK_ERRNO(RAW(SYS_epoll_create, 0), -1, EINVAL);
	ASSERT_OK(ep2 = RAW(SYS_epoll_create, 1));
	close(ep2);

	ASSERT_OK(pipe(p));
	ASSERT_OK(ev = eventfd(0, EFD_NONBLOCK));

	/* Nothing registered: timeout 0 returns 0 at once. */
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 0);

	memset(&e, 0, sizeof(e));
	e.events = EPOLLIN;
	e.data.u64 = 0x1111;
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e), 0);
	/* Adding twice: EEXIST. */
	CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e), -1, EEXIST);
	e.events = EPOLLIN;
	e.data.u64 = 0x2222;
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, ev, &e), 0);
	/* MOD or DEL of an fd not registered: ENOENT. */
	CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &e), -1, ENOENT);
	CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], &e), -1, ENOENT);
	/* Other errors. */
	CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, 999, &e), -1, EBADF);
	CHECK_ERRNO(epoll_ctl(999, EPOLL_CTL_ADD, p[0], &e), -1, EBADF);
	CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &e), -1, EINVAL);
	CHECK_ERRNO(epoll_ctl(p[0], EPOLL_CTL_ADD, ev, &e), -1, EINVAL);
	CHECK_ERRNO(epoll_ctl(ep, 42, p[0], &e), -1, EINVAL);
	int rf;
	ASSERT_OK(rf = open("/etc/passwd", O_RDONLY));
	CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, rf, &e), -1, EPERM);
	close(rf);
	CHECK_ERRNO(epoll_wait(ep, out, 0, 0), -1, EINVAL);
	CHECK_ERRNO(epoll_wait(p[0], out, 8, 0), -1, EINVAL);
	CHECK_ERRNO(epoll_wait(-1, out, 8, 0), -1, EBADF);

	/* Nothing ready: timeout 0 returns 0; a short timeout waits. */
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 0);
	long long t0 = now_ns();
	CHECK_EQ(epoll_wait(ep, out, 8, 30), 0);
	CHECK_GE(now_ns() - t0, 30 * 1000 * 1000LL);

	/* The pipe becomes readable. */
	CHECK_EQ(write(p[1], "ab", 2), 2);
	memset(out, 0, sizeof(out));
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 1);
	CHECK_EQ(out[0].events, EPOLLIN);
	CHECK_EQ(out[0].data.u64, 0x1111);
	/* Level-triggered: still reported while data remains. */
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 1);
	CHECK_EQ(read(p[0], &c, 1), 1);
	CHECK_EQ(epoll_wait(ep, out, 8, -1), 1);
	CHECK_EQ(read(p[0], &c, 1), 1);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 0);

	/* Both ready: two events, each with its own data. maxevents 1 gives one. */
	CHECK_EQ(write(p[1], "x", 1), 1);
	v = 1;
	CHECK_EQ(write(ev, &v, 8), 8);
	memset(out, 0, sizeof(out));
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 2);
	uint64_t seen = out[0].data.u64 | out[1].data.u64;
	CHECK_EQ(seen, 0x3333);
	CHECK_EQ(epoll_wait(ep, out, 1, 0), 1);

	/* epoll_pwait with a signal mask, and with a NULL mask. */
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	CHECK_EQ(epoll_pwait(ep, out, 8, 0, &mask), 2);
	CHECK_EQ(RAW(SYS_epoll_pwait, ep, out, 8, 0, NULL, 8), 2);
	/* A wrong sigsetsize: EINVAL. */
	CHECK_ERRNO(RAW(SYS_epoll_pwait, ep, out, 8, 0, &mask, 4), -1, EINVAL);

	/* EPOLL_CTL_DEL: no longer reported. */
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_DEL, ev, NULL), 0);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 1);
	CHECK_EQ(out[0].data.u64, 0x1111);
	CHECK_EQ(read(ev, &v, 8), 8);
	CHECK_EQ(read(p[0], &c, 1), 1);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 0);

	/* The write end: EPOLLOUT while there is room. */
	e.events = EPOLLOUT;
	e.data.u64 = 0x4444;
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &e), 0);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 1);
	CHECK_EQ(out[0].events, EPOLLOUT);
	CHECK_EQ(out[0].data.u64, 0x4444);
	/* MOD to EPOLLIN on a write end: never ready. */
	e.events = EPOLLIN;
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &e), 0);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 0);
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL), 0);

	/* Closing the write end: the read end reports EPOLLHUP (asked or not). */
	int w = p[1];
	p[1] = -1;
	close(w);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 1);
	CHECK_EQ(out[0].events, EPOLLHUP);
	CHECK_EQ(read(p[0], &c, 1), 0);

	/* Edge-triggered on an eventfd: reported once per change. */
	e.events = EPOLLIN | EPOLLET;
	e.data.u64 = 0x5555;
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, ev, &e), 0);
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), 0);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 0);
	v = 2;
	CHECK_EQ(write(ev, &v, 8), 8);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 1);
	CHECK_EQ(out[0].data.u64, 0x5555);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 0);
	CHECK_EQ(write(ev, &v, 8), 8);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 1);
	/* eventfd is always writable, so EPOLLOUT is reported too if asked. */
	e.events = EPOLLIN | EPOLLOUT;
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_MOD, ev, &e), 0);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 1);
	CHECK_EQ(out[0].events, EPOLLIN | EPOLLOUT);
	/* EPOLLONESHOT: reported once, then disabled until MOD. */
	e.events = EPOLLIN | EPOLLONESHOT;
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_MOD, ev, &e), 0);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 1);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 0);
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_MOD, ev, &e), 0);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 1);

	/* Closing the last fd of a registered file removes it. */
	close(ev);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 0);
	close(p[0]);
	close(ep);
	return test_done();
}
