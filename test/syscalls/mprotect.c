//go:build ignore

/* mprotect: write to a read-only page is SIGSEGV/SEGV_ACCERR, PROT_NONE, errors. */
#include "testutil.h"
#include <sys/mman.h>

#define PG 4096L

int main(void)
{
	char *p = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(p, MAP_FAILED);
	memset(p, 'a', 3 * PG);

	/* Read-only middle page: reads work, writes fault with SEGV_ACCERR. */
	CHECK_EQ(mprotect(p + PG, PG, PROT_READ), 0);
	CHECK_EQ(probe_read(p + PG + 100), 0);
	CHECK_EQ(p[PG + 100], 'a');
	CHECK_EQ(probe_write(p + PG + 100, 'b'), SIGSEGV);
	CHECK_EQ(probe_code, SEGV_ACCERR);
	CHECK_EQ(probe_addr, p + PG + 100);
	CHECK_EQ(p[PG + 100], 'a');
	/* The neighbours stay writable. */
	CHECK_EQ(probe_write(p + PG - 1, 'c'), 0);
	CHECK_EQ(probe_write(p + 2 * PG, 'd'), 0);
	CHECK_EQ(p[PG - 1], 'c');
	CHECK_EQ(p[2 * PG], 'd');

	/* PROT_NONE: reads fault too. */
	CHECK_EQ(mprotect(p + PG, PG, PROT_NONE), 0);
	CHECK_EQ(probe_read(p + PG), SIGSEGV);
	CHECK_EQ(probe_code, SEGV_ACCERR);
	CHECK_EQ(probe_addr, p + PG);
	CHECK_EQ(probe_write(p + 2 * PG - 1, 'e'), SIGSEGV);
	CHECK_EQ(probe_code, SEGV_ACCERR);

	/* Back to read-write: the contents survived. */
	CHECK_EQ(mprotect(p + PG, PG, PROT_READ | PROT_WRITE), 0);
	CHECK_EQ(probe_write(p + PG + 100, 'f'), 0);
	CHECK_EQ(p[PG + 100], 'f');
	CHECK_EQ(p[PG + 101], 'a');

	/* A fresh mapping made PROT_READ before any touch reads zeros. */
	char *z = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(z, MAP_FAILED);
	CHECK_EQ(probe_read(z), 0);
	CHECK_EQ(z[0], 0);
	CHECK_EQ(probe_write(z, 1), SIGSEGV);
	CHECK_EQ(probe_code, SEGV_ACCERR);
	/* Whole-range changes span several pages; length rounds up. */
	CHECK_EQ(mprotect(p, 2 * PG + 1, PROT_READ), 0);
	CHECK_EQ(probe_write(p, 1), SIGSEGV);
	CHECK_EQ(probe_write(p + 3 * PG - 1, 1), SIGSEGV);
	CHECK_EQ(mprotect(p, 3 * PG, PROT_READ | PROT_WRITE), 0);
	CHECK_EQ(probe_write(p, 1), 0);
	/* A zero length is a no-op that succeeds. */
	CHECK_EQ(mprotect(p, 0, PROT_NONE), 0);
	CHECK_EQ(probe_write(p, 2), 0);

	/* Errors: unaligned start, bad prot bits, unmapped range. */
	CHECK_ERRNO(mprotect(p + 1, PG, PROT_READ), -1, EINVAL);
	CHECK_ERRNO(mprotect(p, PG, 0x100), -1, EINVAL);
	CHECK_EQ(munmap(p + PG, PG), 0);
	CHECK_ERRNO(mprotect(p, 3 * PG, PROT_READ), -1, ENOMEM);
	CHECK_ERRNO(mprotect(p + PG, PG, PROT_READ), -1, ENOMEM);
	/* A failed mprotect over a hole still changed the part before the hole. */
	CHECK_EQ(probe_write(p, 3), SIGSEGV);
	CHECK_EQ(munmap(p, 3 * PG), 0);
	CHECK_EQ(munmap(z, PG), 0);

	/* Code pages are not writable: writing to main faults with SEGV_ACCERR. */
	CHECK_EQ(probe_write((char *)(uintptr_t)main, 0), SIGSEGV);
	CHECK_EQ(probe_code, SEGV_ACCERR);
	/* Address 0 is never mapped. */
	CHECK_EQ(probe_read((char *)0), SIGSEGV);
	CHECK_EQ(probe_code, SEGV_MAPERR);
	CHECK_EQ(probe_addr, NULL);
	return test_done();
}
