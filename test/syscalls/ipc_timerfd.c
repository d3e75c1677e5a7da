//go:build ignore

/*
 * timerfd (timerfd_create(2)) beyond the basics: flags and clocks,
 * gettime on a disarmed and an armed timer, settime's old value,
 * TFD_TIMER_ABSTIME (a deadline in the past fires at once and counts the
 * periods missed), the expiration count and its reset by read and by
 * settime, EAGAIN when nothing expired, poll readiness, and errors.
 */
#include "testutil.h"
#include <fcntl.h>
#include <poll.h>
#include <sys/timerfd.h>

static short revents(int fd)
{
	struct pollfd p = {fd, POLLIN, 0};
	if (poll(&p, 1, 0) < 0)
		return -1;
	return p.revents;
}

static long long ts_ns(struct timespec ts) { return ts.tv_sec * 1000000000LL + ts.tv_nsec; }

int main(void)
{
	int fd;
	uint64_t n;
	struct itimerspec its, old, cur;
	long long t0;

	/* Flags and clocks. */
	ASSERT_OK(fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
	CHECK_EQ(fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDWR | O_NONBLOCK);
	CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
	int fd2;
	ASSERT_OK(fd2 = timerfd_create(CLOCK_REALTIME, 0));
	close(fd2);
	ASSERT_OK(fd2 = timerfd_create(CLOCK_BOOTTIME, 0));
	close(fd2);
	CHECK_ERRNO(timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0), -1, EINVAL);
	CHECK_ERRNO(timerfd_create(CLOCK_THREAD_CPUTIME_ID, 0), -1, EINVAL);
	CHECK_ERRNO(timerfd_create(-1, 0), -1, EINVAL);
	CHECK_ERRNO(timerfd_create(CLOCK_MONOTONIC, O_APPEND), -1, EINVAL);

	/* Disarmed: gettime is all zero; read is EAGAIN; not readable. */
	memset(&cur, 0x55, sizeof(cur));
	CHECK_OK(timerfd_gettime(fd, &cur));
	CHECK_EQ(ts_ns(cur.it_value), 0);
	CHECK_EQ(ts_ns(cur.it_interval), 0);
	CHECK_ERRNO(read(fd, &n, 8), -1, EAGAIN);
	CHECK_EQ(revents(fd), 0);

	/* Armed: gettime shows the time left and the interval; settime
	 * returns the previous setting. */
	its = (struct itimerspec){{0, 250 * 1000000L}, {10, 0}};
	memset(&old, 0x55, sizeof(old));
	CHECK_OK(timerfd_settime(fd, 0, &its, &old));
	CHECK_EQ(ts_ns(old.it_value), 0);
	CHECK_EQ(ts_ns(old.it_interval), 0);
	CHECK_OK(timerfd_gettime(fd, &cur));
	CHECK(ts_ns(cur.it_value) > 9LL * 1000000000 && ts_ns(cur.it_value) <= 10LL * 1000000000);
	CHECK_EQ(ts_ns(cur.it_interval), 250 * 1000000LL);
	its = (struct itimerspec){{0, 0}, {0, 0}};
	CHECK_OK(timerfd_settime(fd, 0, &its, &old));
	CHECK(ts_ns(old.it_value) > 9LL * 1000000000);
	CHECK_EQ(ts_ns(old.it_interval), 250 * 1000000LL);
	CHECK_OK(timerfd_gettime(fd, &cur));
	CHECK_EQ(ts_ns(cur.it_value), 0);

	/* An absolute deadline in the past fires at once... */
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	its.it_value = now;
	its.it_value.tv_sec -= 1;
	its.it_interval = (struct timespec){0, 0};
	CHECK_OK(timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL));
	CHECK_EQ(revents(fd), POLLIN);
	CHECK_EQ(read(fd, &n, 8), 8);
	CHECK_EQ(n, 1);
	CHECK_ERRNO(read(fd, &n, 8), -1, EAGAIN);
	/* ...and with an interval, counts the periods since: 1 s ago with
	 * 100 ms periods is 10 or 11 expirations. */
	clock_gettime(CLOCK_MONOTONIC, &now);
	its.it_value = now;
	its.it_value.tv_sec -= 1;
	its.it_interval = (struct timespec){0, 100 * 1000000L};
	CHECK_OK(timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL));
	CHECK_EQ(read(fd, &n, 8), 8);
	CHECK(n >= 10 && n <= 12);
	/* A periodic timer's gettime: time to the next expiry. */
	CHECK_OK(timerfd_gettime(fd, &cur));
	CHECK(ts_ns(cur.it_value) > 0 && ts_ns(cur.it_value) <= 100 * 1000000LL);
	CHECK_EQ(ts_ns(cur.it_interval), 100 * 1000000LL);

	/* Relative, periodic: expirations accumulate until read. */
	its = (struct itimerspec){{0, 10 * 1000000L}, {0, 10 * 1000000L}};
	t0 = now_ns();
	CHECK_OK(timerfd_settime(fd, 0, &its, NULL));
	usleep(65 * 1000);
	CHECK_EQ(read(fd, &n, 8), 8);
	CHECK_GE(n, 5);
	/* No more than the periods that passed (however slow we were). */
	CHECK_LE(n, (now_ns() - t0) / (10 * 1000000LL));
	/* settime throws away expirations not read. */
	its = (struct itimerspec){{0, 0}, {0, 1000000L}};
	CHECK_OK(timerfd_settime(fd, 0, &its, NULL));
	usleep(20 * 1000);
	CHECK_EQ(revents(fd), POLLIN);
	its = (struct itimerspec){{0, 0}, {100, 0}};
	CHECK_OK(timerfd_settime(fd, 0, &its, NULL));
	CHECK_EQ(revents(fd), 0);
	CHECK_ERRNO(read(fd, &n, 8), -1, EAGAIN);

	/* A blocking read waits for the expiry. */
	CHECK_OK(fcntl(fd, F_SETFL, 0));
	its = (struct itimerspec){{0, 0}, {0, 40 * 1000000L}};
	t0 = now_ns();
	CHECK_OK(timerfd_settime(fd, 0, &its, NULL));
	CHECK_EQ(read(fd, &n, 8), 8);
	CHECK_EQ(n, 1);
	CHECK_GE(now_ns() - t0, 30 * 1000000LL);

	/* Errors. */
	CHECK_ERRNO(timerfd_settime(fd, 0x100, &its, NULL), -1, EINVAL);
	its.it_value.tv_nsec = 1000000000L;
	CHECK_ERRNO(timerfd_settime(fd, 0, &its, NULL), -1, EINVAL);
	its.it_value = (struct timespec){-1, 0};
	CHECK_ERRNO(timerfd_settime(fd, 0, &its, NULL), -1, EINVAL);
	its = (struct itimerspec){{0, 0}, {1, 0}};
	int p[2];
	ASSERT_OK(pipe(p));
	CHECK_ERRNO(timerfd_settime(p[0], 0, &its, NULL), -1, EINVAL);
	CHECK_ERRNO(timerfd_gettime(p[0], &cur), -1, EINVAL);
	CHECK_ERRNO(timerfd_settime(999, 0, &its, NULL), -1, EBADF);
	CHECK_ERRNO(timerfd_gettime(999, &cur), -1, EBADF);
	CHECK_ERRNO(RAW(SYS_timerfd_settime, fd, 0, 8L, NULL), -1, EFAULT);
	close(p[0]);
	close(p[1]);
	close(fd);
	return test_done();
}
