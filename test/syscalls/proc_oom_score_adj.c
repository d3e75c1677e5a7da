//go:build ignore
// /proc/self/oom_score_adj and oom_adj: the value a write sets is read
// back on both scales, children inherit it, bad values are EINVAL.
// Only raises the value, which needs no privilege.
#include "testutil.h"

#include <fcntl.h>

static int read_int(const char *path, int *out)
{
	char buf[64];
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0 || buf[n - 1] != '\n')
		return -1;
	buf[n] = 0;
	*out = atoi(buf);
	return 0;
}

static ssize_t write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, s, strlen(s));
	int saved = errno;
	close(fd);
	errno = saved;
	return n;
}

int main(void)
{
	int v = 0;
	CHECK_EQ(write_str("/proc/self/oom_score_adj", "500\n"), 4);
	CHECK_OK(read_int("/proc/self/oom_score_adj", &v));
	CHECK_EQ(v, 500);
	CHECK_OK(read_int("/proc/self/oom_adj", &v));
	CHECK_EQ(v, 8); /* 500 * 17 / 1000 */

	/* Inherited on fork. */
	pid_t pid = test_fork();
	if (pid == 0) {
		int c = 0;
		CHECK_OK(read_int("/proc/self/oom_score_adj", &c));
		CHECK_EQ(c, 500);
		child_exit();
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);

	/* Out of range or not a number: EINVAL, value unchanged. */
	CHECK_ERRNO(write_str("/proc/self/oom_score_adj", "1001"), -1, EINVAL);
	CHECK_ERRNO(write_str("/proc/self/oom_score_adj", "abc"), -1, EINVAL);
	CHECK_ERRNO(write_str("/proc/self/oom_adj", "16"), -1, EINVAL);
	CHECK_OK(read_int("/proc/self/oom_score_adj", &v));
	CHECK_EQ(v, 500);

	/* oom_adj's maximum is oom_score_adj's. */
	CHECK_EQ(write_str("/proc/self/oom_adj", "15"), 2);
	CHECK_OK(read_int("/proc/self/oom_score_adj", &v));
	CHECK_EQ(v, 1000);
	CHECK_OK(read_int("/proc/self/oom_adj", &v));
	CHECK_EQ(v, 15);
	return test_done();
}
