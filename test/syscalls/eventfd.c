//go:build ignore

/* eventfd2: counter semantics, EFD_SEMAPHORE, EFD_NONBLOCK, sizes and errors. */
#include "testutil.h"
#include <fcntl.h>
#include <pthread.h>
#include <sys/eventfd.h>

static int efd_global;

static void *writer(void *arg)
{
	(void)arg;
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	uint64_t v = 7;
	if (write(efd_global, &v, 8) != 8)
		return (void *)1;
	return NULL;
}

int main(void)
{
	int fd;
	uint64_t v;

	/* Initial value, then reads return and reset the counter. */
	ASSERT_OK(fd = RAW(SYS_eventfd2, 3, EFD_NONBLOCK));
	CHECK_EQ(fcntl(fd, F_GETFL), O_RDWR | O_NONBLOCK);
	CHECK_EQ(fcntl(fd, F_GETFD), 0);
	CHECK_EQ(read(fd, &v, 8), 8);
	CHECK_EQ(v, 3);
	CHECK_ERRNO(read(fd, &v, 8), -1, EAGAIN);
	/* Writes add. */
	v = 5;
	CHECK_EQ(write(fd, &v, 8), 8);
	v = 10;
	CHECK_EQ(write(fd, &v, 8), 8);
	CHECK_EQ(read(fd, &v, 8), 8);
	CHECK_EQ(v, 15);
	/* A larger buffer is fine; a smaller one is EINVAL. */
	v = 1;
	CHECK_EQ(write(fd, &v, 8), 8);
	uint64_t big[2] = { 0, 0 };
	CHECK_EQ(read(fd, big, 16), 8);
	CHECK_EQ(big[0], 1);
	CHECK_ERRNO(read(fd, &v, 4), -1, EINVAL);
	CHECK_ERRNO(read(fd, &v, 7), -1, EINVAL);
	CHECK_ERRNO(write(fd, &v, 4), -1, EINVAL);
	/* Writing 0xffffffffffffffff is EINVAL. */
	v = UINT64_MAX;
	CHECK_ERRNO(write(fd, &v, 8), -1, EINVAL);
	/* The counter holds at most 0xfffffffffffffffe; an overflowing write
	 * would block, so it is EAGAIN here. */
	v = UINT64_MAX - 1;
	CHECK_EQ(write(fd, &v, 8), 8);
	v = 1;
	CHECK_ERRNO(write(fd, &v, 8), -1, EAGAIN);
	CHECK_EQ(read(fd, &v, 8), 8);
	CHECK_EQ(v, UINT64_MAX - 1);
	/* Writing 0 is allowed and changes nothing. */
	v = 0;
	CHECK_EQ(write(fd, &v, 8), 8);
	CHECK_ERRNO(read(fd, &v, 8), -1, EAGAIN);
	/* lseek is a no-op that succeeds (noop_llseek), unlike a pipe. */
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(lseek(fd, 100, SEEK_SET), 0);
	close(fd);

	/* EFD_SEMAPHORE: each read returns 1 and decrements. */
	ASSERT_OK(fd = RAW(SYS_eventfd2, 2, EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC));
	CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(read(fd, &v, 8), 8);
	CHECK_EQ(v, 1);
	CHECK_EQ(read(fd, &v, 8), 8);
	CHECK_EQ(v, 1);
	CHECK_ERRNO(read(fd, &v, 8), -1, EAGAIN);
	v = 3;
	CHECK_EQ(write(fd, &v, 8), 8);
	for (int i = 0; i < 3; i++) {
		v = 0;
		CHECK_EQ(read(fd, &v, 8), 8);
		CHECK_EQ(v, 1);
	}
	CHECK_ERRNO(read(fd, &v, 8), -1, EAGAIN);
	close(fd);

	/* Blocking: a read waits for a write from another thread. */
	ASSERT_OK(efd_global = RAW(SYS_eventfd2, 0, 0));
	pthread_t t;
	long long start = now_ns(); /* before the writer can start its 50 ms nap */
	ASSERT_EQ(pthread_create(&t, NULL, writer, NULL), 0);
	v = 0;
	CHECK_EQ(read(efd_global, &v, 8), 8);
	CHECK_EQ(v, 7);
	CHECK_GE(now_ns() - start, 50 * 1000 * 1000);
	void *ret;
	CHECK_EQ(pthread_join(t, &ret), 0);
	CHECK_EQ(ret, NULL);
	close(efd_global);

	/* Bad flags: EINVAL. The old eventfd syscall takes no flags. */
	CHECK_ERRNO(RAW(SYS_eventfd2, 0, 0x4), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_eventfd2, 0, O_APPEND), -1, EINVAL);
	ASSERT_OK(fd = RAW(SYS_eventfd, 9));
	CHECK_EQ(fcntl(fd, F_GETFL), O_RDWR);
	CHECK_EQ(read(fd, &v, 8), 8);
	CHECK_EQ(v, 9);
	close(fd);
	return test_done();
}
