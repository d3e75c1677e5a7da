//go:build ignore

/* madvise: MADV_DONTNEED zeroes private anonymous pages and restores file pages. */
#include "testutil.h"
#include <fcntl.h>
#include <sys/mman.h>

#define PG 4096L

int main(void)
{
	char *p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(p, MAP_FAILED);
	memset(p, 'x', 4 * PG);

	/* DONTNEED the middle two pages: they read back as zero, the rest is kept. */
	CHECK_EQ(madvise(p + PG, 2 * PG, MADV_DONTNEED), 0);
	CHECK_EQ(p[PG], 0);
	CHECK_EQ(p[2 * PG + 100], 0);
	CHECK_EQ(p[3 * PG - 1], 0);
	CHECK_EQ(p[PG - 1], 'x');
	CHECK_EQ(p[3 * PG], 'x');
	/* The pages are still mapped and writable. */
	CHECK_EQ(probe_write(p + PG, 'y'), 0);
	CHECK_EQ(p[PG], 'y');
	/* A length is rounded up to whole pages. */
	CHECK_EQ(madvise(p, 1, MADV_DONTNEED), 0);
	CHECK_EQ(p[0], 0);
	CHECK_EQ(p[PG - 1], 0);
	CHECK_EQ(p[PG], 'y');

	/* Hints that change nothing visible succeed and keep the data. */
	memset(p, 'z', 4 * PG);
	CHECK_EQ(madvise(p, 4 * PG, MADV_NORMAL), 0);
	CHECK_EQ(madvise(p, 4 * PG, MADV_RANDOM), 0);
	CHECK_EQ(madvise(p, 4 * PG, MADV_SEQUENTIAL), 0);
	CHECK_EQ(madvise(p, 4 * PG, MADV_WILLNEED), 0);
	CHECK_EQ(p[2 * PG], 'z');
	/* A zero length is fine. */
	CHECK_EQ(madvise(p, 0, MADV_DONTNEED), 0);
	CHECK_EQ(p[0], 'z');

	/* A shared anonymous mapping keeps its data after DONTNEED. */
	char *sh = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(sh, MAP_FAILED);
	sh[0] = 's';
	CHECK_EQ(madvise(sh, PG, MADV_DONTNEED), 0);
	CHECK_EQ(sh[0], 's');
	CHECK_EQ(munmap(sh, PG), 0);

	/* A private file mapping: written (copied) pages revert to the file. */
	int fd;
	ASSERT_OK(fd = open("/etc/passwd", O_RDONLY));
	char first;
	ASSERT_EQ(pread(fd, &first, 1, 0), 1);
	char *f = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ASSERT_NE(f, MAP_FAILED);
	CHECK_EQ(f[0], first);
	f[0] = first ^ 0x20;
	CHECK_EQ(f[0], first ^ 0x20);
	CHECK_EQ(madvise(f, PG, MADV_DONTNEED), 0);
	CHECK_EQ(f[0], first);
	CHECK_EQ(munmap(f, PG), 0);
	close(fd);

	/* Errors: unaligned start, unknown advice, unmapped range. */
	CHECK_ERRNO(madvise(p + 1, PG, MADV_DONTNEED), -1, EINVAL);
	CHECK_ERRNO(madvise(p, PG, 12345), -1, EINVAL);
	CHECK_EQ(munmap(p + 2 * PG, PG), 0);
	CHECK_ERRNO(madvise(p, 4 * PG, MADV_NORMAL), -1, ENOMEM);
	CHECK_ERRNO(madvise(p + 2 * PG, PG, MADV_DONTNEED), -1, ENOMEM);
	CHECK_EQ(munmap(p, 4 * PG), 0);
	return test_done();
}
