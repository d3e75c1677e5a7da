//go:build ignore

/*
 * brk: the break grows and shrinks with raw brk calls; new memory is zero,
 * memory above a lowered break is gone, and impossible requests leave the
 * break unchanged. The break is restored at the end so malloc is not upset.
 */
#include "testutil.h"
#include <sys/mman.h>

#define PG 4096UL

static uintptr_t sys_brk(uintptr_t addr)
{
	return (uintptr_t)RAW(SYS_brk, addr);
}

int main(void)
{
	uintptr_t cur = sys_brk(0);
	CHECK_NE(cur, 0);
	CHECK_EQ(sys_brk(0), cur);
	uintptr_t top = (cur + PG - 1) & ~(PG - 1); /* first page wholly above the break */

	/* Grow by 4 pages: returns the new break, memory is zero and writable. */
	uintptr_t want = cur + 4 * PG;
	CHECK_EQ(sys_brk(want), want);
	CHECK_EQ(sys_brk(0), want);
	char *b = (char *)cur;
	int nonzero = 0;
	for (uintptr_t a = top; a < want; a++)
		nonzero += *(char *)a != 0;
	CHECK_EQ(nonzero, 0);
	for (unsigned long i = 0; i < 4 * PG; i++)
		b[i] = (char)(i ^ 0x5a);
	long bad = 0;
	for (unsigned long i = 0; i < 4 * PG; i++)
		bad += b[i] != (char)(i ^ 0x5a);
	CHECK_EQ(bad, 0);

	/* Shrink by 2 pages (page-aligned): the pages above are unmapped. */
	uintptr_t low = top + PG;
	CHECK_EQ(sys_brk(low), low);
	CHECK_EQ(sys_brk(0), low);
	CHECK_EQ(probe_read((char *)low - 1), 0);
	CHECK_EQ(probe_read((char *)low), SIGSEGV);
	CHECK_EQ(probe_code, SEGV_MAPERR);
	CHECK_EQ(probe_addr, (void *)low);
	CHECK_EQ(probe_write((char *)low + PG, 1), SIGSEGV);
	/* Below the new break, the contents are kept. */
	CHECK_EQ(*((char *)low - 1), (char)((low - 1 - cur) ^ 0x5a));

	/* Grow again: the re-added pages are zero, not the old contents. */
	CHECK_EQ(sys_brk(low + 2 * PG), low + 2 * PG);
	CHECK_EQ(probe_read((char *)low), 0);
	CHECK_EQ(*(char *)low, 0);
	CHECK_EQ(*((char *)low + 2 * PG - 1), 0);
	CHECK_EQ(*((char *)low - 1), (char)((low - 1 - cur) ^ 0x5a));

	/* An unaligned break is kept exactly; the page it is in is usable. */
	CHECK_EQ(sys_brk(low + 123), low + 123);
	CHECK_EQ(sys_brk(0), low + 123);
	CHECK_EQ(probe_write((char *)low + PG - 1, 1), 0);
	CHECK_EQ(probe_read((char *)low + PG), SIGSEGV);

	/* Impossible requests fail by returning the current break. */
	uintptr_t now = sys_brk(0);
	CHECK_EQ(sys_brk(1), now);                      /* below the start */
	CHECK_EQ(sys_brk(0x7fffffffffffUL), now);       /* far too high */
	CHECK_EQ(sys_brk((uintptr_t)-PG), now);         /* kernel space */
	/* Growing into an existing mapping fails too. */
	void *blocker = mmap((void *)(low + 64 * PG), PG, PROT_READ,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (blocker == (void *)(low + 64 * PG)) {
		CHECK_EQ(sys_brk(low + 128 * PG), now);
		CHECK_EQ(sys_brk(low + 63 * PG), low + 63 * PG);
		CHECK_EQ(munmap(blocker, PG), 0);
	} else {
		FAIL("could not place a mapping above the break: %p", blocker);
	}

	/* Restore the original break; malloc still works afterwards. */
	CHECK_EQ(sys_brk(cur), cur);
	CHECK_EQ(sys_brk(0), cur);
	char *m = malloc(1 << 20);
	CHECK_NE(m, NULL);
	if (m) {
		memset(m, 1, 1 << 20);
		free(m);
	}
	return test_done();
}
