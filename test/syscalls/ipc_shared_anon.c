//go:build ignore

/*
 * MAP_SHARED|MAP_ANONYMOUS memory across fork (mmap(2)): every process of
 * the family sees every store, over many pages and in grandchildren; a
 * child's mprotect or munmap changes only its own view; MADV_DONTNEED
 * keeps the data (it lives in the shared object), MADV_REMOVE frees it
 * for all; a MAP_PRIVATE mapping made before fork is copied, not shared.
 */
#include "testutil.h"
#include <sys/mman.h>

#define PAGES 64

int main(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t len = PAGES * pg;
	unsigned char *sh = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	unsigned char *pv = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(sh, MAP_FAILED);
	ASSERT_NE(pv, MAP_FAILED);
	/* Fresh shared anonymous memory is zero. */
	int nonzero = 0;
	for (size_t i = 0; i < len; i += 97)
		nonzero += sh[i] != 0;
	CHECK_EQ(nonzero, 0);
	/* The parent writes some pages before the fork. */
	for (int p = 0; p < PAGES; p += 2)
		sh[p * pg] = (unsigned char)(p + 1);
	pv[0] = 'p';

	int st;
	pid_t pid = test_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		/* The child sees the parent's stores and adds its own on the
		 * other pages; its private copy is its own. */
		for (int p = 0; p < PAGES; p += 2)
			CHECK_EQ(sh[p * pg], p + 1);
		for (int p = 1; p < PAGES; p += 2)
			sh[p * pg + 5] = (unsigned char)(0x80 | p);
		CHECK_EQ(pv[0], 'p');
		pv[0] = 'c';
		/* A grandchild shares it too. */
		pid_t g = test_fork();
		if (g == 0) {
			sh[len - 1] = 0x77;
			child_exit();
		}
		CHECK_EQ(waitpid(g, &st, 0), g);
		CHECK_CHILD_OK(st);
		CHECK_EQ(sh[len - 1], 0x77);
		/* mprotect and munmap in the child change its view only. */
		CHECK_OK(mprotect(sh, pg, PROT_READ));
		CHECK_EQ(probe_write(sh, 1), SIGSEGV);
		CHECK_OK(munmap(sh + pg, pg));
		child_exit();
	}
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	int bad = 0;
	for (int p = 1; p < PAGES; p += 2)
		bad += sh[p * pg + 5] != (unsigned char)(0x80 | p);
	CHECK_EQ(bad, 0);
	CHECK_EQ(sh[len - 1], 0x77);
	CHECK_EQ(pv[0], 'p');
	/* Still writable and mapped here. */
	CHECK_EQ(probe_write(sh, 9), 0);
	CHECK_EQ(probe_write(sh + pg, 9), 0);

	/* MADV_DONTNEED on shared memory drops only our mapping of the
	 * pages: the data comes back on the next touch. */
	sh[3 * pg] = 0x33;
	CHECK_OK(madvise(sh + 3 * pg, pg, MADV_DONTNEED));
	CHECK_EQ(sh[3 * pg], 0x33);
	/* MADV_REMOVE frees the pages for everyone: zero in a child too. */
	pid = test_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		/* Wait for the parent's MADV_REMOVE through a flag page. */
		long long t0 = now_ns();
		while (__atomic_load_n(&sh[10 * pg], __ATOMIC_SEQ_CST) != 1 &&
		       now_ns() - t0 < 5000000000LL)
			usleep(1000);
		CHECK_EQ(sh[5 * pg + 5], 0);
		CHECK_EQ(sh[3 * pg], 0x33);
		child_exit();
	}
	CHECK_EQ(sh[5 * pg + 5], 0x85);
	CHECK_OK(madvise(sh + 5 * pg, pg, MADV_REMOVE));
	CHECK_EQ(sh[5 * pg + 5], 0);
	__atomic_store_n(&sh[10 * pg], 1, __ATOMIC_SEQ_CST);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	/* MADV_REMOVE on private anonymous memory: EINVAL. */
	CHECK_ERRNO(madvise(pv, pg, MADV_REMOVE), -1, EINVAL);
	ASSERT_OK(munmap(sh, len));
	ASSERT_OK(munmap(pv, pg));
	return test_done();
}
