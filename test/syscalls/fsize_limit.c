//go:build ignore

/* RLIMIT_FSIZE: writes stop at the limit, then fail with EFBIG and
 * SIGXFSZ; truncate past it is EFBIG. */
#include "testutil.h"
#include <sys/resource.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

static volatile int xfsz;
static void on_xfsz(int sig) { (void)sig; xfsz++; }

int main(void)
{
	int fd;
	setup_dir();
	signal(SIGXFSZ, on_xfsz);
	struct rlimit rl = {1000, RLIM_INFINITY};
	ASSERT_OK(setrlimit(RLIMIT_FSIZE, &rl));
	ASSERT_OK(fd = open("f", O_CREAT | O_RDWR, 0644));
	static char buf[4096];
	CHECK_EQ(write(fd, buf, 600), 600);
	/* Cut short at the limit. */
	CHECK_EQ(write(fd, buf, 600), 400);
	CHECK_EQ(xfsz, 0);
	/* At the limit: EFBIG and the signal. */
	CHECK_ERRNO(write(fd, buf, 1), -1, EFBIG);
	CHECK_EQ(xfsz, 1);
	CHECK_ERRNO(pwrite(fd, buf, 1, 5000), -1, EFBIG);
	CHECK_EQ(xfsz, 2);
	CHECK_EQ(pwrite(fd, buf, 100, 950), 50);
	/* Below the limit all is well; empty writes too. */
	CHECK_EQ(pwrite(fd, buf, 10, 0), 10);
	CHECK_EQ(write(fd, buf, 0), 0);
	/* Truncation past the limit. */
	CHECK_ERRNO(ftruncate(fd, 2000), -1, EFBIG);
	CHECK_OK(ftruncate(fd, 500));
	struct stat st;
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 500);
	close(fd);
	cleanup_dir();
	return test_done();
}
