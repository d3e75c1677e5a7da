//go:build ignore

/* mremap: grow in place or with MREMAP_MAYMOVE keeping contents, shrink, errors. */
#include "testutil.h"
#include <sys/mman.h>

#define PG 4096L

static void fill(char *p, long n, int seed)
{
	for (long i = 0; i < n; i++)
		p[i] = (char)(i * 31 + seed);
}

static long diff(const char *p, long n, int seed)
{
	long bad = 0;
	for (long i = 0; i < n; i++)
		bad += p[i] != (char)(i * 31 + seed);
	return bad;
}

int main(void)
{
	/* Reserve 16 pages, keep 4, so there is known free room after them. */
	char *area = mmap(NULL, 16 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(area, MAP_FAILED);
	CHECK_EQ(munmap(area + 4 * PG, 12 * PG), 0);
	char *p = mmap(area, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_EQ(p, area);
	fill(p, 4 * PG, 1);

	/* Grow in place without MREMAP_MAYMOVE when there is room. */
	char *q = mremap(p, 4 * PG, 8 * PG, 0);
	CHECK_EQ(q, p);
	CHECK_EQ(diff(q, 4 * PG, 1), 0);
	CHECK_EQ(q[8 * PG - 1], 0);
	q[8 * PG - 1] = 5;

	/* Block the growth with a mapping right after: without MAYMOVE, ENOMEM. */
	char *blk = mmap(p + 8 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_EQ(blk, p + 8 * PG);
	errno = 0;
	CHECK_EQ(mremap(p, 8 * PG, 16 * PG, 0), MAP_FAILED);
	CHECK_EQ(errno, ENOMEM);
	/* With MAYMOVE it moves, keeping the contents; the old range is gone. */
	fill(p, 8 * PG, 2);
	q = mremap(p, 8 * PG, 32 * PG, MREMAP_MAYMOVE);
	ASSERT_NE(q, MAP_FAILED);
	CHECK_NE(q, p);
	CHECK_EQ((uintptr_t)q % PG, 0);
	CHECK_EQ(diff(q, 8 * PG, 2), 0);
	CHECK_EQ(q[32 * PG - 1], 0);
	CHECK_EQ(probe_read(p), SIGSEGV);
	CHECK_EQ(probe_read(p + 8 * PG - 1), SIGSEGV);
	CHECK_EQ(probe_read(blk), 0);
	/* The moved mapping keeps its protection. */
	CHECK_EQ(probe_write(q + 20 * PG, 3), 0);

	/* Shrink: returns the same address, the tail is unmapped. */
	char *s = mremap(q, 32 * PG, 2 * PG, 0);
	CHECK_EQ(s, q);
	CHECK_EQ(diff(s, 2 * PG, 2), 0);
	CHECK_EQ(probe_read(q + 2 * PG), SIGSEGV);
	CHECK_EQ(probe_read(q + 31 * PG), SIGSEGV);

	/* MREMAP_FIXED moves to a chosen address, replacing what was there. */
	char *dst = mmap(NULL, 4 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(dst, MAP_FAILED);
	char *f = mremap(s, 2 * PG, 3 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	CHECK_EQ(f, dst);
	CHECK_EQ(diff(f, 2 * PG, 2), 0);
	CHECK_EQ(f[3 * PG - 1], 0);
	CHECK_EQ(probe_write(f + 3 * PG - 1, 1), 0);
	/* The fourth page of dst was not part of it: still the old read-only mapping. */
	CHECK_EQ(probe_write(dst + 3 * PG, 1), SIGSEGV);
	CHECK_EQ(probe_read(s), SIGSEGV);

	/* Errors. */
	errno = 0;
	CHECK_EQ(mremap(f + 1, PG, 2 * PG, MREMAP_MAYMOVE), MAP_FAILED);
	CHECK_EQ(errno, EINVAL); /* unaligned */
	errno = 0;
	CHECK_EQ(mremap(f, PG, 0, MREMAP_MAYMOVE), MAP_FAILED);
	CHECK_EQ(errno, EINVAL); /* new size 0 */
	errno = 0;
	CHECK_EQ(mremap(f, PG, 2 * PG, 0x80), MAP_FAILED);
	CHECK_EQ(errno, EINVAL); /* bad flags */
	errno = 0;
	CHECK_EQ(mremap(f, PG, 2 * PG, MREMAP_FIXED, dst), MAP_FAILED);
	CHECK_EQ(errno, EINVAL); /* FIXED without MAYMOVE */
	errno = 0;
	CHECK_EQ(mremap(p, PG, 2 * PG, MREMAP_MAYMOVE), MAP_FAILED);
	CHECK_EQ(errno, EFAULT); /* nothing mapped there */

	CHECK_EQ(munmap(dst, 4 * PG), 0);
	CHECK_EQ(munmap(blk, PG), 0);
	return test_done();
}
