//go:build ignore

/*
 * Linux native AIO, as libaio, fio and databases use it: io_setup makes
 * a context mapped in the process; io_submit runs reads, writes, vector
 * reads and fsyncs and queues their events with the caller's data and
 * iocb address and the result; io_getevents reaps them, waiting up to a
 * timeout; an eventfd can be told of each completion; io_destroy ends
 * the context. Bad requests fail io_submit, after the ones before them.
 */
#include "testutil.h"
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

static long setup(unsigned nr, aio_context_t *ctx) { return syscall(SYS_io_setup, nr, ctx); }
static long submit(aio_context_t ctx, long nr, struct iocb **cbs) { return syscall(SYS_io_submit, ctx, nr, cbs); }
static long getevents(aio_context_t ctx, long min, long nr, struct io_event *ev, struct timespec *ts)
{
	return syscall(SYS_io_getevents, ctx, min, nr, ev, ts);
}

static struct iocb cb(int op, int fd, void *buf, size_t n, off_t off, unsigned long long data)
{
	struct iocb c;
	memset(&c, 0, sizeof(c));
	c.aio_lio_opcode = op;
	c.aio_fildes = fd;
	c.aio_buf = (unsigned long)buf;
	c.aio_nbytes = n;
	c.aio_offset = off;
	c.aio_data = data;
	return c;
}

/* one submits c alone and reaps its event into ev; it returns the
 * event's result, or -1000 - errno if io_submit failed. */
static long long one(aio_context_t ctx, struct iocb *c, struct io_event *ev)
{
	struct iocb *l[1] = { c };
	if (submit(ctx, 1, l) != 1)
		return -1000 - errno;
	if (getevents(ctx, 1, 1, ev, NULL) != 1)
		return -2000 - errno;
	if (ev->obj != (unsigned long)c || ev->data != c->aio_data)
		return -3000;
	return ev->res;
}

int main(void)
{
	aio_context_t ctx = 0;
	CHECK_ERRNO(setup(0, &ctx), -1, EINVAL);
	ctx = 1;
	CHECK_ERRNO(setup(8, &ctx), -1, EINVAL);
	ctx = 0;
	CHECK_ERRNO(setup(8, (aio_context_t *)8), -1, EFAULT);
	ASSERT_OK(setup(32, &ctx));
	CHECK_NE(ctx, 0);
	/* The context is a mapping in the process. */
	char maps[1 << 16], key[32];
	ASSERT_GT(read_text("/proc/self/maps", maps, sizeof(maps)), 0);
	snprintf(key, sizeof(key), "\n%lx-", (unsigned long)ctx);
	CHECK(strstr(maps, key) != NULL);

	char path[] = "/tmp/aioXXXXXX";
	int fd = mkstemp(path);
	ASSERT_GE(fd, 0);
	unlink(path);
	struct io_event ev;
	struct iocb w = cb(IOCB_CMD_PWRITE, fd, "hello world", 11, 0, 77);
	CHECK_EQ(one(ctx, &w, &ev), 11);
	CHECK_EQ(ev.data, 77);
	char buf[16] = { 0 };
	struct iocb r = cb(IOCB_CMD_PREAD, fd, buf, 5, 6, 78);
	CHECK_EQ(one(ctx, &r, &ev), 5);
	CHECK_MEMEQ(buf, "world", 5);
	/* Past the end: 0. */
	r = cb(IOCB_CMD_PREAD, fd, buf, 5, 100, 79);
	CHECK_EQ(one(ctx, &r, &ev), 0);
	char a[3], b[4];
	struct iovec iov[2] = { { a, 3 }, { b, 4 } };
	struct iocb rv = cb(IOCB_CMD_PREADV, fd, iov, 2, 2, 80);
	CHECK_EQ(one(ctx, &rv, &ev), 7);
	CHECK_MEMEQ(a, "llo", 3);
	CHECK_MEMEQ(b, " wor", 4);
	struct iocb fs = cb(IOCB_CMD_FSYNC, fd, NULL, 0, 0, 81);
	CHECK_EQ(one(ctx, &fs, &ev), 0);
	fs = cb(IOCB_CMD_FDSYNC, fd, buf, 0, 0, 82);
	CHECK_EQ(one(ctx, &fs, &ev), -1000 - EINVAL);

	/* A batch stops at its first bad request. */
	struct iocb ok1 = cb(IOCB_CMD_PREAD, fd, buf, 1, 0, 1), bad = cb(IOCB_CMD_PREAD, 999, buf, 1, 0, 2);
	struct iocb ok2 = cb(IOCB_CMD_PREAD, fd, buf, 1, 0, 3);
	struct iocb *batch[3] = { &ok1, &bad, &ok2 };
	CHECK_EQ(submit(ctx, 3, batch), 1);
	struct io_event evs[4];
	CHECK_EQ(getevents(ctx, 1, 4, evs, NULL), 1);
	CHECK_ERRNO(submit(ctx, 1, &batch[1]), -1, EBADF);
	int wronly = openat(AT_FDCWD, "/dev/null", O_WRONLY);
	ASSERT_GE(wronly, 0);
	struct iocb nr = cb(IOCB_CMD_PREAD, wronly, buf, 1, 0, 4);
	CHECK_EQ(one(ctx, &nr, &ev), -1000 - EBADF);
	struct iocb noop = cb(IOCB_CMD_NOOP, fd, buf, 1, 0, 5);
	CHECK_EQ(one(ctx, &noop, &ev), -1000 - EINVAL);
	struct iocb res2 = cb(IOCB_CMD_PREAD, fd, buf, 1, 0, 6);
	res2.aio_reserved2 = 1;
	CHECK_EQ(one(ctx, &res2, &ev), -1000 - EINVAL);
	struct iocb neg = cb(IOCB_CMD_PREAD, fd, buf, 1, -1, 7);
	CHECK_EQ(one(ctx, &neg, &ev), -1000 - EINVAL);

	/* An eventfd hears of each completion. */
	int efd = eventfd(0, 0);
	ASSERT_GE(efd, 0);
	struct iocb rf = cb(IOCB_CMD_PREAD, fd, buf, 2, 0, 8);
	rf.aio_flags = IOCB_FLAG_RESFD;
	rf.aio_resfd = efd;
	CHECK_EQ(one(ctx, &rf, &ev), 2);
	unsigned long long n = 0;
	CHECK_EQ(read(efd, &n, 8), 8);
	CHECK_EQ(n, 1);
	rf.aio_resfd = fd;
	CHECK_EQ(one(ctx, &rf, &ev), -1000 - EINVAL);

	/* Reaping: nothing waiting, a timeout, bad counts, the cancel of a
	 * request that is done. */
	struct timespec zero = { 0, 0 }, short_ = { 0, 50 * 1000000 };
	CHECK_EQ(getevents(ctx, 0, 4, evs, &zero), 0);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_EQ(getevents(ctx, 1, 4, evs, &short_), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK_GE((t1.tv_sec - t0.tv_sec) * 1000000000LL + t1.tv_nsec - t0.tv_nsec, 40 * 1000000LL);
	CHECK_ERRNO(getevents(ctx, 2, 1, evs, &zero), -1, EINVAL);
	CHECK_ERRNO(getevents(ctx + 4096, 0, 1, evs, &zero), -1, EINVAL);
	struct io_event cres;
	CHECK_ERRNO(syscall(SYS_io_cancel, ctx, &r, &cres), -1, EINVAL);

	/* A child has no context of its parent's. */
	pid_t c = test_fork();
	if (c == 0) {
		struct iocb *l[1] = { &ok1 };
		CHECK_ERRNO(submit(ctx, 1, l), -1, EINVAL);
		child_exit();
	}
	int st;
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK_CHILD_OK(st);

	CHECK_OK(syscall(SYS_io_destroy, ctx));
	CHECK_ERRNO(syscall(SYS_io_destroy, ctx), -1, EINVAL);
	struct iocb *l[1] = { &ok1 };
	CHECK_ERRNO(submit(ctx, 1, l), -1, EINVAL);
	return test_done();
}
