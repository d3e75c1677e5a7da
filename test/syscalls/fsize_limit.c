//go:build ignore

/* RLIMIT_FSIZE: writes stop at the limit, then fail with EFBIG and
 * SIGXFSZ; truncate past it is EFBIG. */
#include "testutil.h"
#include <sys/resource.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

/* Every test works in a fresh directory under /tmp, removed at the end. */
static char tdir[64];

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void setup_dir(void)
{
	strcpy(tdir, "/tmp/moat-test-XXXXXX");
	if (!mkdtemp(tdir))
		FATAL("mkdtemp: errno %d", errno);
	if (chdir(tdir))
		FATAL("chdir: errno %d", errno);
}

static void cleanup_dir(void)
{
	if (chdir("/")) {
	}
	nftw(tdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

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
