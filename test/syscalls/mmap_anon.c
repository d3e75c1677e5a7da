//go:build ignore

/*
 * Anonymous private mmap: zero-filled, writable, MAP_FIXED replacement,
 * munmap then access faults with SIGSEGV at the right address, and errors.
 */
#include "testutil.h"
#include <sys/mman.h>

#define PG 4096L

int main(void)
{
	CHECK_EQ(sysconf(_SC_PAGESIZE), PG);

	/* Zero-filled, page-aligned, readable and writable. */
	char *p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(p, MAP_FAILED);
	CHECK_EQ((uintptr_t)p % PG, 0);
	int nonzero = 0;
	for (long i = 0; i < 4 * PG; i++)
		nonzero += p[i] != 0;
	CHECK_EQ(nonzero, 0);
	for (long i = 0; i < 4 * PG; i++)
		p[i] = (char)(i * 13);
	long bad = 0;
	for (long i = 0; i < 4 * PG; i++)
		bad += p[i] != (char)(i * 13);
	CHECK_EQ(bad, 0);

	/* MAP_FIXED over the middle two pages replaces them with zero pages. */
	char *q = mmap(p + PG, 2 * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK_EQ(q, p + PG);
	CHECK_EQ(p[PG], 0);
	CHECK_EQ(p[3 * PG - 1], 0);
	CHECK_EQ(p[PG - 1], (char)((PG - 1) * 13));
	CHECK_EQ(p[3 * PG], (char)((3 * PG) * 13));
	/* MAP_FIXED_NOREPLACE over an existing mapping: EEXIST. */
	CHECK_EQ(mmap(p, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0),
		 MAP_FAILED);
	CHECK_EQ(errno, EEXIST);

	/* munmap the second page: access there is SIGSEGV with SEGV_MAPERR. */
	CHECK_EQ(munmap(p + PG, PG), 0);
	CHECK_EQ(probe_read(p + PG + 5), SIGSEGV);
	CHECK_EQ(probe_code, SEGV_MAPERR);
	CHECK_EQ(probe_addr, p + PG + 5);
	CHECK_EQ(probe_write(p + 2 * PG - 1, 1), SIGSEGV);
	CHECK_EQ(probe_addr, p + 2 * PG - 1);
	CHECK_EQ(probe_code, SEGV_MAPERR);
	/* Its neighbours are still there. */
	CHECK_EQ(probe_write(p + PG - 1, 7), 0);
	CHECK_EQ(p[PG - 1], 7);
	CHECK_EQ(probe_read(p + 2 * PG), 0);
	/* Unmapping a hole again, or a range with holes, is fine. */
	CHECK_EQ(munmap(p + PG, PG), 0);
	CHECK_EQ(munmap(p, 4 * PG), 0);
	CHECK_EQ(probe_read(p), SIGSEGV);
	CHECK_EQ(probe_addr, p);
	CHECK_EQ(probe_read(p + 3 * PG), SIGSEGV);

	/* MAP_FIXED at a free address we choose (the one just unmapped). */
	q = mmap(p, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK_EQ(q, p);
	CHECK_EQ(q[0], 0);
	/* A hint that is free is honoured (no MAP_FIXED). */
	char *r = mmap(p + 2 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK_EQ(r, p + 2 * PG);
	CHECK_EQ(munmap(p, 3 * PG), 0);

	/* Length is rounded up to a page: the rest of the page is mapped. */
	r = mmap(NULL, 10, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(r, MAP_FAILED);
	CHECK_EQ(probe_write(r + PG - 1, 1), 0);
	CHECK_EQ(munmap(r, 10), 0);
	CHECK_EQ(probe_read(r), SIGSEGV);

	/* A large mapping is lazily allocated and still zero. */
	long big = 64L << 20;
	r = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(r, MAP_FAILED);
	CHECK_EQ(r[big - 1], 0);
	r[big / 2] = 9;
	CHECK_EQ(r[big / 2], 9);
	CHECK_EQ(munmap(r, big), 0);

	/* MAP_SHARED | MAP_ANONYMOUS works too. */
	r = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(r, MAP_FAILED);
	r[0] = 1;
	CHECK_EQ(r[0], 1);
	CHECK_EQ(munmap(r, PG), 0);

	/* Errors. */
	errno = 0;
	CHECK_EQ(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), MAP_FAILED);
	CHECK_EQ(errno, EINVAL);
	errno = 0;
	CHECK_EQ(mmap(NULL, PG, PROT_READ, MAP_ANONYMOUS, -1, 0), MAP_FAILED); /* neither private nor shared */
	CHECK_EQ(errno, EINVAL);
	errno = 0;
	CHECK_EQ(mmap((void *)(PG * 1000 + 1), PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
		 MAP_FAILED);
	CHECK_EQ(errno, EINVAL);
	errno = 0;
	CHECK_EQ(mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 1), MAP_FAILED);
	CHECK_EQ(errno, EINVAL);
	errno = 0;
	CHECK_EQ(mmap(NULL, -PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), MAP_FAILED);
	CHECK_EQ(errno, ENOMEM);
	/* A non-anonymous mapping needs a valid fd. */
	errno = 0;
	CHECK_EQ(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, -1, 0), MAP_FAILED);
	CHECK_EQ(errno, EBADF);
	CHECK_ERRNO(munmap(p + 1, PG), -1, EINVAL);
	CHECK_ERRNO(munmap(p, 0), -1, EINVAL);
	return test_done();
}
