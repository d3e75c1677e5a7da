//go:build ignore

/*
 * select(2), pselect6 and ppoll beyond the basics: nfds bounds (negative
 * is EINVAL, beyond the fd table is clipped, not an error), EBADF for a
 * closed fd in any set, the sets rewritten to what is ready, exceptfds,
 * and the Linux-specific update of the timeout to the time left (raw
 * select, pselect6 and ppoll), both on expiry and on an early return.
 */
#include "testutil.h"
#include <fcntl.h>
#include <poll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>

static long raw_select(int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv)
{
	return RAW(SYS_select, n, r, w, e, tv);
}

static long raw_pselect(int n, fd_set *r, fd_set *w, fd_set *e, struct timespec *ts)
{
	return RAW(SYS_pselect6, n, r, w, e, ts, NULL);
}

static long raw_ppoll(struct pollfd *f, int n, struct timespec *ts)
{
	return RAW(SYS_ppoll, f, n, ts, NULL, 8);
}

/* write_later forks a child that writes a byte to fd after ms. */
static pid_t write_later(int fd, int ms)
{
	pid_t pid = test_fork();
	if (pid == 0) {
		struct timespec ts = {0, ms * 1000000L};
		nanosleep(&ts, NULL);
		CHECK_EQ(write(fd, "x", 1), 1);
		child_exit();
	}
	return pid;
}

int main(void)
{
	int p[2];
	fd_set r, w, e;
	struct timeval tv;
	ASSERT_OK(pipe(p));

	/* nfds < 0: EINVAL. */
	tv = (struct timeval){0, 0};
	CHECK_ERRNO(raw_select(-1, NULL, NULL, NULL, &tv), -1, EINVAL);
	/* nfds far beyond every fd: clipped to the table, no error. */
	CHECK_EQ(raw_select(1 << 20, NULL, NULL, NULL, &tv), 0);
	CHECK_EQ(raw_select(INT32_MAX, NULL, NULL, NULL, &tv), 0);
	/* A negative timeout: EINVAL. */
	tv = (struct timeval){-1, 0};
	CHECK_ERRNO(raw_select(0, NULL, NULL, NULL, &tv), -1, EINVAL);
	tv = (struct timeval){0, -1};
	CHECK_ERRNO(raw_select(0, NULL, NULL, NULL, &tv), -1, EINVAL);
	/* Whole seconds in tv_usec are folded into tv_sec: 1.5 s here,
	 * and -1 s + 2 s is 1 s, both valid (the write end is ready, so
	 * these return at once, with the time left written back). */
	fd_set ws;
	FD_ZERO(&ws);
	FD_SET(p[1], &ws);
	tv = (struct timeval){0, 1500000};
	CHECK_EQ(raw_select(p[1] + 1, NULL, &ws, NULL, &tv), 1);
	CHECK_EQ(tv.tv_sec, 1);
	CHECK(tv.tv_usec > 0 && tv.tv_usec <= 500000);
	FD_SET(p[1], &ws);
	tv = (struct timeval){-1, 2000000};
	CHECK_EQ(raw_select(p[1] + 1, NULL, &ws, NULL, &tv), 1);
	CHECK_EQ(tv.tv_sec, 0);
	CHECK(tv.tv_usec > 500000 && tv.tv_usec < 1000000);

	/* A closed fd in any set: EBADF. */
	int closed = dup(0);
	close(closed);
	FD_ZERO(&r);
	FD_SET(closed, &r);
	tv = (struct timeval){0, 0};
	CHECK_ERRNO(raw_select(closed + 1, &r, NULL, NULL, &tv), -1, EBADF);
	FD_ZERO(&e);
	FD_SET(closed, &e);
	CHECK_ERRNO(raw_select(closed + 1, NULL, NULL, &e, &tv), -1, EBADF);
	/* ...unless nfds stops short of it. */
	CHECK_EQ(raw_select(closed, NULL, NULL, &e, &tv), 0);

	/* Ready sets come back with only the ready bits; the count is of
	 * bits. */
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&e);
	FD_SET(p[0], &r);
	FD_SET(p[1], &r);
	FD_SET(p[0], &w);
	FD_SET(p[1], &w);
	FD_SET(p[0], &e);
	int n = (p[0] > p[1] ? p[0] : p[1]) + 1;
	CHECK_EQ(raw_select(n, &r, &w, &e, &tv), 1);
	CHECK(!FD_ISSET(p[0], &r) && !FD_ISSET(p[1], &r));
	CHECK(!FD_ISSET(p[0], &w) && FD_ISSET(p[1], &w));
	CHECK(!FD_ISSET(p[0], &e));
	CHECK_EQ(write(p[1], "a", 1), 1);
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(p[0], &r);
	FD_SET(p[1], &w);
	CHECK_EQ(raw_select(n, &r, &w, NULL, &tv), 2);
	CHECK(FD_ISSET(p[0], &r) && FD_ISSET(p[1], &w));
	char c;
	CHECK_EQ(read(p[0], &c, 1), 1);

	/* Out-of-band data shows in exceptfds. */
	int sv[2];
	ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	FD_ZERO(&e);
	FD_SET(sv[0], &e);
	CHECK_EQ(raw_select(sv[0] + 1, NULL, NULL, &e, &tv), 0);
	close(sv[0]);
	close(sv[1]);

	/* The timeout is updated: to zero on expiry... */
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	tv = (struct timeval){0, 30000};
	long long t0 = now_ns();
	CHECK_EQ(raw_select(p[0] + 1, &r, NULL, NULL, &tv), 0);
	CHECK_GE(now_ns() - t0, 25 * 1000000LL);
	CHECK_EQ(tv.tv_sec, 0);
	CHECK_EQ(tv.tv_usec, 0);
	CHECK(!FD_ISSET(p[0], &r));
	/* ...and to the time left on an early return. */
	pid_t pid = write_later(p[1], 30);
	FD_SET(p[0], &r);
	tv = (struct timeval){10, 0};
	CHECK_EQ(raw_select(p[0] + 1, &r, NULL, NULL, &tv), 1);
	CHECK(tv.tv_sec >= 5 && tv.tv_sec <= 9);
	CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1000000);
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	CHECK_EQ(read(p[0], &c, 1), 1);

	/* pselect6 updates its timespec the same way. */
	struct timespec ts = {0, 30 * 1000000L};
	FD_SET(p[0], &r);
	CHECK_EQ(raw_pselect(p[0] + 1, &r, NULL, NULL, &ts), 0);
	CHECK_EQ(ts.tv_sec, 0);
	CHECK_EQ(ts.tv_nsec, 0);
	pid = write_later(p[1], 30);
	FD_SET(p[0], &r);
	ts = (struct timespec){10, 0};
	CHECK_EQ(raw_pselect(p[0] + 1, &r, NULL, NULL, &ts), 1);
	CHECK(ts.tv_sec >= 5 && ts.tv_sec <= 9);
	CHECK(ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000L);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_EQ(read(p[0], &c, 1), 1);
	/* pselect6: nfds beyond the table is clipped too. */
	ts = (struct timespec){0, 0};
	CHECK_EQ(raw_pselect(1 << 20, NULL, NULL, NULL, &ts), 0);

	/* And ppoll. */
	struct pollfd pf = {p[0], POLLIN, 0};
	ts = (struct timespec){0, 30 * 1000000L};
	CHECK_EQ(raw_ppoll(&pf, 1, &ts), 0);
	CHECK_EQ(ts.tv_sec, 0);
	CHECK_EQ(ts.tv_nsec, 0);
	pid = write_later(p[1], 30);
	ts = (struct timespec){10, 0};
	CHECK_EQ(raw_ppoll(&pf, 1, &ts), 1);
	CHECK(ts.tv_sec >= 5 && ts.tv_sec <= 9);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_EQ(read(p[0], &c, 1), 1);
	/* A zero timeout stays zero. */
	ts = (struct timespec){0, 0};
	CHECK_EQ(raw_ppoll(&pf, 1, &ts), 0);
	CHECK_EQ(ts.tv_nsec, 0);
	close(p[0]);
	close(p[1]);
	return test_done();
}
