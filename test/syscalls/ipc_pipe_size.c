//go:build ignore

/*
 * F_GETPIPE_SZ and F_SETPIPE_SZ (fcntl(2)): rounding up to a power of two
 * number of pages, EBUSY when the data would not fit in the new number of
 * page slots, EPERM above /proc/sys/fs/pipe-max-size without
 * CAP_SYS_RESOURCE, EINVAL for huge sizes, EBADF on other files; the new
 * capacity is what writes can fill, and a FIFO's capacity resets when its
 * last opener closes.
 */
#include "testutil.h"
#include <fcntl.h>
#include <linux/capability.h>
#include <sys/stat.h>

static char buf[1 << 21];

static long fill(int fd)
{
	long total = 0;
	for (;;) {
		ssize_t n = write(fd, buf, sizeof(buf));
		if (n < 0) {
			CHECK_EQ(errno, EAGAIN);
			return total;
		}
		total += n;
	}
}

static long drain(int fd)
{
	long total = 0;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return total;
		total += n;
	}
}

static long read_max_size(void)
{
	char s[32] = {0};
	int fd = open("/proc/sys/fs/pipe-max-size", O_RDONLY);
	if (fd < 0)
		FATAL("open pipe-max-size: errno %d", errno);
	ssize_t n = read(fd, s, sizeof(s) - 1);
	close(fd);
	if (n <= 0)
		FATAL("read pipe-max-size: %zd errno %d", n, errno);
	return strtol(s, NULL, 10);
}

static int has_cap(int cap)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	if (RAW(SYS_capget, &h, d))
		FATAL("capget: errno %d", errno);
	return (d[cap / 32].effective >> (cap % 32)) & 1;
}

int main(void)
{
	int p[2];
	ASSERT_OK(pipe2(p, O_NONBLOCK));
	CHECK_EQ(fcntl(p[0], F_GETPIPE_SZ), 65536);
	CHECK_EQ(fcntl(p[1], F_GETPIPE_SZ), 65536);

	/* Rounding: at least a page, else up to a power of two pages. */
	static const struct {
		int ask, want;
	} sizes[] = {
		{0, 4096},	   {1, 4096},	    {4096, 4096},     {4097, 8192},
		{12288, 16384},	   {65537, 131072}, {100000, 131072}, {65536, 65536},
	};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		CHECK_EQ(fcntl(p[1], F_SETPIPE_SZ, sizes[i].ask), sizes[i].want);
		/* Both ends see the one pipe's size. */
		CHECK_EQ(fcntl(p[0], F_GETPIPE_SZ), sizes[i].want);
	}

	/* The capacity is what a writer can fill. */
	CHECK_EQ(fcntl(p[0], F_SETPIPE_SZ, 8192), 8192);
	CHECK_EQ(fill(p[1]), 8192);
	/* Shrinking below the data: EBUSY, and nothing changes. */
	CHECK_ERRNO(fcntl(p[1], F_SETPIPE_SZ, 4096), -1, EBUSY);
	CHECK_EQ(fcntl(p[1], F_GETPIPE_SZ), 8192);
	/* Growing a full pipe makes room at once, and keeps the data. */
	CHECK_EQ(fcntl(p[1], F_SETPIPE_SZ, 16384), 16384);
	buf[0] = 'z';
	CHECK_EQ(write(p[1], buf, 1), 1);
	CHECK_EQ(drain(p[0]), 8193);

	/* 3000 + 3000 bytes use two slots (the second does not fit in the
	 * first's page). After reading 2990 bytes 3010 remain, fewer than a
	 * page, but still in two slots: one slot is too few. */
	memset(buf, 'a', 3000);
	CHECK_EQ(write(p[1], buf, 3000), 3000);
	memset(buf, 'b', 3000);
	CHECK_EQ(write(p[1], buf, 3000), 3000);
	CHECK_EQ(read(p[0], buf, 2990), 2990);
	CHECK_ERRNO(fcntl(p[1], F_SETPIPE_SZ, 4096), -1, EBUSY);
	CHECK_EQ(fcntl(p[1], F_SETPIPE_SZ, 8192), 8192);
	/* The data survives a resize, in order. */
	memset(buf, 0, 3010);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 3010);
	CHECK_EQ(buf[0], 'a');
	CHECK_EQ(buf[9], 'a');
	CHECK_EQ(buf[10], 'b');
	CHECK_EQ(buf[3009], 'b');
	/* Shrinking an empty pipe to one page. */
	CHECK_EQ(fcntl(p[1], F_SETPIPE_SZ, 1), 4096);
	CHECK_EQ(fill(p[1]), 4096);
	CHECK_EQ(drain(p[0]), 4096);

	/* Too large: EINVAL above 2^31 (the argument is unsigned). */
	CHECK_ERRNO(fcntl(p[1], F_SETPIPE_SZ, -1), -1, EINVAL);
	CHECK_ERRNO(fcntl(p[1], F_SETPIPE_SZ, (int)0x80000001u), -1, EINVAL);
	CHECK_EQ(fcntl(p[1], F_GETPIPE_SZ), 4096);

	/* Above pipe-max-size: EPERM unless the caller has
	 * CAP_SYS_RESOURCE. Exactly the maximum is allowed. */
	long max = read_max_size();
	CHECK_GE(max, 65536);
	CHECK_EQ(fcntl(p[1], F_SETPIPE_SZ, (int)max), max);
	if (has_cap(CAP_SYS_RESOURCE))
		CHECK_EQ(fcntl(p[1], F_SETPIPE_SZ, (int)max * 2), max * 2);
	CHECK_EQ(fcntl(p[1], F_SETPIPE_SZ, 65536), 65536);
	pid_t pid = test_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		/* Drop every capability (a change of uid from 0 does). */
		if (geteuid() == 0) {
			ASSERT_OK(setgid(65534));
			ASSERT_OK(setuid(65534));
		}
		CHECK_EQ(has_cap(CAP_SYS_RESOURCE), 0);
		CHECK_ERRNO(fcntl(p[1], F_SETPIPE_SZ, (int)max + 1), -1, EPERM);
		CHECK_ERRNO(fcntl(p[1], F_SETPIPE_SZ, (int)max * 2), -1, EPERM);
		CHECK_EQ(fcntl(p[1], F_GETPIPE_SZ), 65536);
		/* Growing up to the maximum is allowed. */
		CHECK_EQ(fcntl(p[1], F_SETPIPE_SZ, 131072), 131072);
		child_exit();
	}
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	CHECK_EQ(fcntl(p[0], F_GETPIPE_SZ), 131072);
	close(p[0]);
	close(p[1]);

	/* Not a pipe: EBADF. */
	int fd;
	ASSERT_OK(fd = open("/proc/self/exe", O_RDONLY));
	CHECK_ERRNO(fcntl(fd, F_GETPIPE_SZ), -1, EBADF);
	CHECK_ERRNO(fcntl(fd, F_SETPIPE_SZ, 4096), -1, EBADF);
	close(fd);

	/* A FIFO: the size holds while it is open, and resets to the
	 * default once every opener has closed. */
	char dir[] = "/tmp/moat-ipc-XXXXXX", path[64];
	ASSERT_NE(mkdtemp(dir), NULL);
	snprintf(path, sizeof(path), "%s/f", dir);
	ASSERT_OK(mkfifo(path, 0600));
	int r, w;
	ASSERT_OK(r = open(path, O_RDONLY | O_NONBLOCK));
	ASSERT_OK(w = open(path, O_WRONLY | O_NONBLOCK));
	CHECK_EQ(fcntl(r, F_GETPIPE_SZ), 65536);
	CHECK_EQ(fcntl(w, F_SETPIPE_SZ, 8192), 8192);
	close(w);
	CHECK_EQ(fcntl(r, F_GETPIPE_SZ), 8192);
	ASSERT_OK(w = open(path, O_WRONLY | O_NONBLOCK));
	CHECK_EQ(fcntl(w, F_GETPIPE_SZ), 8192);
	CHECK_EQ(fill(w), 8192);
	close(w);
	close(r);
	ASSERT_OK(r = open(path, O_RDONLY | O_NONBLOCK));
	CHECK_EQ(fcntl(r, F_GETPIPE_SZ), 65536);
	/* ... and the data left in it is gone. */
	ASSERT_OK(w = open(path, O_WRONLY | O_NONBLOCK));
	CHECK_ERRNO(read(r, buf, 1), -1, EAGAIN);
	close(w);
	close(r);
	unlink(path);
	rmdir(dir);
	return test_done();
}
