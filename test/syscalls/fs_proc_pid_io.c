//go:build ignore

/*
 * /proc/[pid]/io and /proc/[pid]/task/[tid]/io: Linux's seven lines in
 * order; rchar/wchar count the bytes and syscr/syscw the calls of the read
 * and write families (read, pread64, readv, write, pwrite64, writev); a
 * thread's own file counts its calls, the process's counts every thread's,
 * those of threads that have exited too.
 */
#include "testutil.h"
#include <fcntl.h>
#include <pthread.h>
#include <sys/uio.h>

struct io {
	unsigned long long rchar, wchar, syscr, syscw, rb, wb, cwb;
};

static int read_io(const char *path, struct io *o)
{
	char buf[1024];
	if (read_text(path, buf, sizeof(buf)) <= 0)
		return -1;
	if (sscanf(buf,
		   "rchar: %llu\nwchar: %llu\nsyscr: %llu\nsyscw: %llu\nread_bytes: %llu\nwrite_bytes: %llu\n"
		   "cancelled_write_bytes: %llu\n",
		   &o->rchar, &o->wchar, &o->syscr, &o->syscw, &o->rb, &o->wb, &o->cwb) != 7)
		return -2;
	return 0;
}

static char tpath[64];
static int wfd;
static void *writer(void *arg)
{
	(void)arg;
	snprintf(tpath, sizeof(tpath), "/proc/self/task/%ld/io", (long)RAW(SYS_gettid));
	struct io a, b;
	if (read_io(tpath, &a) != 0)
		return (void *)1L;
	char x[1000] = { 0 };
	for (int i = 0; i < 5; i++)
		if (write(wfd, x, sizeof(x)) != sizeof(x))
			return (void *)2L;
	if (read_io(tpath, &b) != 0)
		return (void *)3L;
	if (b.wchar < a.wchar + 5000 || b.syscw < a.syscw + 5)
		return (void *)4L;
	return NULL;
}

int main(void)
{
	setup_dir();
	struct io a, b;
	ASSERT_OK(read_io("/proc/self/io", &a));
	int fd;
	ASSERT_OK(fd = open("f", O_CREAT | O_RDWR, 0644));
	static char buf[10000];
	for (int i = 0; i < 10; i++)
		ASSERT_EQ(write(fd, buf, 1000), 1000);
	ASSERT_EQ(pwrite(fd, buf, 500, 0), 500);
	struct iovec iov[2] = { { buf, 100 }, { buf, 200 } };
	ASSERT_EQ(writev(fd, iov, 2), 300);
	ASSERT_EQ(lseek(fd, 0, SEEK_SET), 0);
	for (int i = 0; i < 10; i++)
		ASSERT_EQ(read(fd, buf, 1000), 1000);
	ASSERT_EQ(pread(fd, buf, 500, 0), 500);
	ASSERT_EQ(readv(fd, iov, 2), 300);
	/* A read at the end reads nothing but is a call. */
	ASSERT_OK(lseek(fd, 0, SEEK_END));
	ASSERT_EQ(read(fd, buf, 10), 0);
	ASSERT_OK(read_io("/proc/self/io", &b));
	CHECK(b.wchar >= a.wchar + 10800);
	CHECK(b.syscw >= a.syscw + 12);
	CHECK(b.rchar >= a.rchar + 10800);
	CHECK(b.syscr >= a.syscr + 13);
	/* Not so many more that the counts mean nothing. */
	CHECK(b.wchar < a.wchar + 10800 + 4096);
	CHECK(b.syscw < a.syscw + 12 + 8);

	/* A thread's writes: in its own file, and the process's, also
	 * after it exits. */
	wfd = fd;
	ASSERT_OK(read_io("/proc/self/io", &a));
	pthread_t th;
	ASSERT_EQ(pthread_create(&th, NULL, writer, NULL), 0);
	void *ret;
	ASSERT_EQ(pthread_join(th, &ret), 0);
	CHECK_EQ((long)ret, 0L);
	ASSERT_OK(read_io("/proc/self/io", &b));
	CHECK(b.wchar >= a.wchar + 5000);
	CHECK(b.syscw >= a.syscw + 5);
	close(fd);
	cleanup_dir();
	return test_done();
}
