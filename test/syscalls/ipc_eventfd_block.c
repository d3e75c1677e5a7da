//go:build ignore

/*
 * eventfd blocking and readiness (eventfd(2)): a write that would pass
 * 0xfffffffffffffffe blocks until a read makes room; blocked semaphore
 * readers each take 1; poll shows POLLOUT only while a write of 1 fits
 * and POLLIN while the counter is above 0; a bad buffer is EFAULT; fewer
 * than 8 bytes over several iovecs is EINVAL; the counter is shared
 * across fork.
 */
#include "testutil.h"
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/uio.h>

static short revents(int fd)
{
	struct pollfd p = {fd, POLLIN | POLLOUT, 0};
	if (poll(&p, 1, 0) < 0)
		return -1;
	return p.revents;
}

static void nap_ms(int ms)
{
	struct timespec ts = {0, ms * 1000000L};
	nanosleep(&ts, NULL);
}

int main(void)
{
	int fd;
	uint64_t v;

	/* Readiness at the edges of the counter. */
	ASSERT_OK(fd = eventfd(0, 0));
	CHECK_EQ(revents(fd), POLLOUT);
	v = 0xfffffffffffffffeULL;
	CHECK_EQ(write(fd, &v, 8), 8);
	CHECK_EQ(revents(fd), POLLIN);
	CHECK_EQ(read(fd, &v, 8), 8);
	CHECK_EQ(v, 0xfffffffffffffffeULL);
	v = 0xfffffffffffffffdULL;
	CHECK_EQ(write(fd, &v, 8), 8);
	CHECK_EQ(revents(fd), POLLIN | POLLOUT);

	/* A blocking write that would overflow waits for a read. */
	long long t0 = now_ns();
	pid_t pid = test_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		nap_ms(50);
		uint64_t got;
		CHECK_EQ(read(fd, &got, 8), 8);
		CHECK_EQ(got, 0xfffffffffffffffdULL);
		child_exit();
	}
	v = 2;
	CHECK_EQ(write(fd, &v, 8), 8);
	CHECK_GE(now_ns() - t0, 40 * 1000000LL);
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	CHECK_EQ(read(fd, &v, 8), 8);
	CHECK_EQ(v, 2);

	/* A bad buffer: EFAULT, nothing added. */
	CHECK_ERRNO(RAW(SYS_write, fd, 8L, 8), -1, EFAULT);
	v = 10;
	CHECK_EQ(write(fd, &v, 8), 8);
	CHECK_EQ(read(fd, &v, 8), 8);
	CHECK_EQ(v, 10);
	/* Fewer than 8 bytes over several iovecs: EINVAL. */
	uint32_t lo = 0, hi = 0;
	struct iovec small[2] = {{&lo, 4}, {&hi, 3}};
	CHECK_ERRNO(readv(fd, small, 2), -1, EINVAL);
	CHECK_ERRNO(writev(fd, small, 2), -1, EINVAL);
	close(fd);

	/* Semaphore mode: three blocked readers, woken by one write of 3,
	 * take 1 each. */
	ASSERT_OK(fd = eventfd(0, EFD_SEMAPHORE));
	int res[2];
	ASSERT_OK(pipe(res));
	pid_t kids[3];
	for (int i = 0; i < 3; i++) {
		kids[i] = test_fork();
		ASSERT_GE(kids[i], 0);
		if (kids[i] == 0) {
			uint64_t got = 0;
			CHECK_EQ(read(fd, &got, 8), 8);
			char c = (char)got;
			CHECK_EQ(write(res[1], &c, 1), 1);
			child_exit();
		}
	}
	nap_ms(50);
	CHECK_EQ(revents(fd), POLLOUT);
	v = 3;
	CHECK_EQ(write(fd, &v, 8), 8);
	for (int i = 0; i < 3; i++) {
		char c = 0;
		CHECK_EQ(read(res[0], &c, 1), 1);
		CHECK_EQ(c, 1);
		CHECK_EQ(waitpid(kids[i], &st, 0), kids[i]);
		CHECK_CHILD_OK(st);
	}
	CHECK_EQ(revents(fd), POLLOUT);
	close(res[0]);
	close(res[1]);

	/* The counter is shared with a child: it reads what we wrote. */
	v = 4;
	CHECK_EQ(write(fd, &v, 8), 8);
	pid = test_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		uint64_t got;
		CHECK_EQ(read(fd, &got, 8), 8);
		CHECK_EQ(got, 1);
		got = 10;
		CHECK_EQ(write(fd, &got, 8), 8);
		child_exit();
	}
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	CHECK_OK(fcntl(fd, F_SETFL, O_NONBLOCK));
	int n = 0;
	while (read(fd, &v, 8) == 8)
		n++;
	CHECK_EQ(errno, EAGAIN);
	CHECK_EQ(n, 13);
	close(fd);
	return test_done();
}
