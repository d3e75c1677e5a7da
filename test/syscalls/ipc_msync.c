//go:build ignore

/*
 * msync(2) argument checking and mincore(2) on holes: MS_ASYNC with
 * MS_SYNC, unknown flags and an unaligned address are EINVAL (before the
 * range is looked at); a range with an unmapped part is ENOMEM, even if
 * the rest is mapped; length 0 and an unaligned length are fine; a
 * wrapping range is ENOMEM; MS_INVALIDATE on a locked mapping is EBUSY.
 * msync on a shared file mapping makes the data visible through read.
 */
#include "testutil.h"
#include <fcntl.h>
#include <sys/mman.h>

int main(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *m = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(m, MAP_FAILED);

	/* Flags. */
	CHECK_EQ(msync(m, pg, MS_SYNC), 0);
	CHECK_EQ(msync(m, pg, MS_ASYNC), 0);
	CHECK_EQ(msync(m, pg, MS_INVALIDATE), 0);
	CHECK_EQ(msync(m, pg, 0), 0);
	CHECK_EQ(msync(m, pg, MS_SYNC | MS_INVALIDATE), 0);
	CHECK_ERRNO(msync(m, pg, MS_SYNC | MS_ASYNC), -1, EINVAL);
	CHECK_ERRNO(msync(m, pg, 8), -1, EINVAL);
	CHECK_ERRNO(msync(m, pg, MS_SYNC | 0x100), -1, EINVAL);
	/* Alignment: the address must be page aligned, the length not. */
	CHECK_ERRNO(msync(m + 1, pg, MS_SYNC), -1, EINVAL);
	CHECK_EQ(msync(m, 1, MS_SYNC), 0);
	CHECK_EQ(msync(m, pg + 1, MS_SYNC), 0);
	CHECK_EQ(msync(m, 0, MS_SYNC), 0);
	/* EINVAL comes before ENOMEM. */
	CHECK_ERRNO(msync((void *)1, pg, MS_SYNC), -1, EINVAL);
	CHECK_ERRNO(msync((void *)0, pg, MS_SYNC | MS_ASYNC), -1, EINVAL);

	/* Punch a hole in the middle: the hole, and ranges over it, are
	 * ENOMEM; the mapped parts still work. */
	ASSERT_OK(munmap(m + pg, pg));
	CHECK_ERRNO(msync(m + pg, pg, MS_SYNC), -1, ENOMEM);
	CHECK_ERRNO(msync(m, 4 * pg, MS_SYNC), -1, ENOMEM);
	CHECK_ERRNO(msync(m, 2 * pg, MS_ASYNC), -1, ENOMEM);
	CHECK_ERRNO(msync(m + pg, 1, 0), -1, ENOMEM);
	CHECK_EQ(msync(m, pg, MS_SYNC), 0);
	CHECK_EQ(msync(m + 2 * pg, 2 * pg, MS_SYNC), 0);
	/* A length of 0 checks nothing. */
	CHECK_EQ(msync(m + pg, 0, MS_SYNC), 0);
	/* A range that wraps around: ENOMEM. */
	CHECK_ERRNO(msync(m, (size_t)-pg, MS_SYNC), -1, ENOMEM);

	/* mincore: the hole is ENOMEM too, alone or inside the range. */
	unsigned char vec[4];
	CHECK_ERRNO(mincore(m + pg, pg, vec), -1, ENOMEM);
	CHECK_ERRNO(mincore(m, 4 * pg, vec), -1, ENOMEM);
	CHECK_EQ(mincore(m + 2 * pg, 2 * pg, vec), 0);
	CHECK_ERRNO(mincore(m + 1, pg, vec), -1, EINVAL);
	ASSERT_OK(munmap(m, 4 * pg));

	/* MS_INVALIDATE on a locked range: EBUSY (if mlock is allowed). */
	m = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(m, MAP_FAILED);
	if (mlock(m, pg) == 0) {
		CHECK_ERRNO(msync(m, pg, MS_INVALIDATE), -1, EBUSY);
		CHECK_EQ(msync(m, pg, MS_SYNC), 0);
		CHECK_OK(munlock(m, pg));
		CHECK_EQ(msync(m, pg, MS_INVALIDATE), 0);
	}
	ASSERT_OK(munmap(m, pg));

	/* A shared mapping of a memfd: stores are seen by read, before and
	 * after msync. */
	int fd = memfd_create("msync", 0);
	ASSERT_GE(fd, 0);
	ASSERT_OK(ftruncate(fd, pg));
	m = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(m, MAP_FAILED);
	memcpy(m, "synced", 6);
	char buf[8] = {0};
	CHECK_EQ(pread(fd, buf, 6, 0), 6);
	CHECK_MEMEQ(buf, "synced", 6);
	CHECK_EQ(msync(m, pg, MS_SYNC), 0);
	CHECK_EQ(msync(m, pg, MS_ASYNC | MS_INVALIDATE), 0);
	CHECK_EQ(pread(fd, buf, 6, 0), 6);
	CHECK_MEMEQ(buf, "synced", 6);
	ASSERT_OK(munmap(m, pg));
	close(fd);
	return test_done();
}
