//go:build ignore

/*
 * memfd file seals (memfd_create(2), fcntl(2) F_ADD_SEALS/F_GET_SEALS):
 * without MFD_ALLOW_SEALING the file has F_SEAL_SEAL; F_SEAL_SHRINK,
 * F_SEAL_GROW, F_SEAL_WRITE and F_SEAL_FUTURE_WRITE refuse what they seal
 * (EPERM) and allow the rest; F_SEAL_WRITE is EBUSY while a shared
 * writable mapping exists; F_SEAL_SEAL stops further seals; unknown bits
 * are EINVAL; non-shmem files are EINVAL.
 */
#include "testutil.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

static off_t fsize(int fd)
{
	struct stat st;
	if (fstat(fd, &st))
		return -1;
	return st.st_size;
}

int main(void)
{
	int fd;
	char buf[8192];
	memset(buf, 'a', sizeof(buf));

	/* No MFD_ALLOW_SEALING: sealed against seals. */
	ASSERT_OK(fd = memfd_create("noseal", 0));
	CHECK_EQ(fcntl(fd, F_GET_SEALS), F_SEAL_SEAL);
	CHECK_ERRNO(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), -1, EPERM);
	close(fd);

	ASSERT_OK(fd = memfd_create("seals", MFD_ALLOW_SEALING));
	CHECK_EQ(fcntl(fd, F_GET_SEALS), 0);
	CHECK_EQ(write(fd, buf, 8192), 8192);
	/* Unknown bits: EINVAL. */
	CHECK_ERRNO(fcntl(fd, F_ADD_SEALS, 0x4000), -1, EINVAL);
	CHECK_EQ(fcntl(fd, F_GET_SEALS), 0);

	/* F_SEAL_SHRINK: no shrinking; growing is fine. */
	CHECK_EQ(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
	CHECK_EQ(fcntl(fd, F_GET_SEALS), F_SEAL_SHRINK);
	CHECK_ERRNO(ftruncate(fd, 4096), -1, EPERM);
	CHECK_ERRNO(ftruncate(fd, 0), -1, EPERM);
	CHECK_EQ(ftruncate(fd, 8192), 0);
	CHECK_EQ(ftruncate(fd, 12288), 0);
	CHECK_EQ(fsize(fd), 12288);
	/* Adding a seal twice is fine. */
	CHECK_EQ(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), 0);

	/* F_SEAL_GROW: no growing, by ftruncate, write or fallocate; writes
	 * inside the file are fine. */
	CHECK_EQ(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW), 0);
	CHECK_EQ(fcntl(fd, F_GET_SEALS), F_SEAL_SHRINK | F_SEAL_GROW);
	CHECK_ERRNO(ftruncate(fd, 16384), -1, EPERM);
	CHECK_EQ(ftruncate(fd, 12288), 0);
	CHECK_EQ(pwrite(fd, "xyz", 3, 100), 3);
	CHECK_EQ(pwrite(fd, "end", 3, 12285), 3);
	CHECK_ERRNO(pwrite(fd, "z", 1, 12288), -1, EPERM);
	/* A write across the end (a page boundary here) stops there. */
	CHECK_EQ(pwrite(fd, "zz", 2, 12287), 1);
	CHECK_EQ(pwrite(fd, buf, 8192, 6144), 6144);
	CHECK_ERRNO(fallocate(fd, 0, 0, 16384), -1, EPERM);
	CHECK_ERRNO(fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 16384), -1, EPERM);
	CHECK_EQ(fallocate(fd, 0, 0, 4096), 0);
	CHECK_EQ(fsize(fd), 12288);

	/* F_SEAL_WRITE is EBUSY while a shared writable mapping exists,
	 * and even a read-only shared mapping of this O_RDWR fd may become
	 * writable; a private one is no obstacle. */
	char *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(sh, MAP_FAILED);
	CHECK_ERRNO(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), -1, EBUSY);
	ASSERT_OK(munmap(sh, 4096));
	char *pv = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ASSERT_NE(pv, MAP_FAILED);
	CHECK_EQ(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), 0);
	/* Now no write of any kind... */
	CHECK_ERRNO(pwrite(fd, "q", 1, 0), -1, EPERM);
	CHECK_ERRNO(write(fd, "q", 1), -1, EPERM);
	CHECK_ERRNO(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096), -1, EPERM);
	CHECK_EQ(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), MAP_FAILED);
	CHECK_EQ(errno, EPERM);
	/* ...but reading, read-only shared maps (that mprotect cannot make
	 * writable) and private copies work. */
	char r[4];
	CHECK_EQ(pread(fd, r, 3, 100), 3);
	CHECK_MEMEQ(r, "xyz", 3);
	char *ro = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(ro, MAP_FAILED);
	CHECK_MEMEQ(ro + 100, "xyz", 3);
	CHECK_ERRNO(mprotect(ro, 4096, PROT_READ | PROT_WRITE), -1, EACCES);
	ASSERT_OK(munmap(ro, 4096));
	pv[100] = 'P';
	CHECK_EQ(pread(fd, r, 1, 100), 1);
	CHECK_EQ(r[0], 'x');
	ASSERT_OK(munmap(pv, 4096));

	/* F_SEAL_SEAL: no more seals, not even ones already there. */
	CHECK_EQ(fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL), 0);
	CHECK_EQ(fcntl(fd, F_GET_SEALS), F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE);
	CHECK_ERRNO(fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE), -1, EPERM);
	CHECK_ERRNO(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), -1, EPERM);
	close(fd);

	/* F_SEAL_FUTURE_WRITE: existing shared mappings keep writing, new
	 * writable ones and write() are refused. */
	ASSERT_OK(fd = memfd_create("future", MFD_ALLOW_SEALING));
	ASSERT_OK(ftruncate(fd, 4096));
	sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(sh, MAP_FAILED);
	CHECK_EQ(fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE), 0);
	sh[0] = 'M';
	CHECK_EQ(pread(fd, r, 1, 0), 1);
	CHECK_EQ(r[0], 'M');
	CHECK_ERRNO(pwrite(fd, "w", 1, 0), -1, EPERM);
	CHECK_EQ(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), MAP_FAILED);
	CHECK_EQ(errno, EPERM);
	/* Size changes are still allowed. */
	CHECK_EQ(ftruncate(fd, 8192), 0);
	ASSERT_OK(munmap(sh, 4096));
	close(fd);

	/* Not a shmem file: EINVAL. */
	int p[2];
	ASSERT_OK(pipe(p));
	CHECK_ERRNO(fcntl(p[0], F_GET_SEALS), -1, EINVAL);
	CHECK_ERRNO(fcntl(p[1], F_ADD_SEALS, F_SEAL_SEAL), -1, EINVAL);
	close(p[0]);
	close(p[1]);
	return test_done();
}
