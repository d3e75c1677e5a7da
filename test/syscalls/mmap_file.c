//go:build ignore

/*
 * mmap of a regular file: read-only private mapping matches read(), offsets,
 * copy-on-write of a private writable mapping, the zero tail of the last page,
 * SIGBUS past EOF, and errors.
 */
#include "testutil.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define PG 4096L
#define PATH "/usr/bin/cat"

int main(void)
{
	int fd;
	struct stat st;
	ASSERT_OK(fd = open(PATH, O_RDONLY));
	ASSERT_OK(fstat(fd, &st));
	long size = st.st_size;
	ASSERT_GE(size, 3 * PG);
	char *data = malloc(size);
	ASSERT_NE(data, NULL);
	ASSERT_EQ(pread(fd, data, size, 0), size);

	/* Whole file, read-only private: same bytes as read(). */
	char *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	ASSERT_NE(m, MAP_FAILED);
	CHECK_MEMEQ(m, data, size);
	/* Mapping does not move the file offset. */
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0);
	/* Writing to it faults. */
	CHECK_EQ(probe_write(m, 0), SIGSEGV);
	CHECK_EQ(probe_code, SEGV_ACCERR);
	/* The tail of the last page past EOF reads as zeros. */
	long end = (size + PG - 1) & ~(PG - 1);
	int nonzero = 0;
	for (long i = size; i < end; i++)
		nonzero += m[i] != 0;
	CHECK_EQ(nonzero, 0);
	CHECK_EQ(munmap(m, size), 0);

	/* At a page offset. */
	m = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 2 * PG);
	ASSERT_NE(m, MAP_FAILED);
	CHECK_MEMEQ(m, data + 2 * PG, PG);
	CHECK_EQ(munmap(m, PG), 0);

	/* Pages wholly past EOF: SIGBUS (BUS_ADRERR). */
	m = mmap(NULL, end + 2 * PG, PROT_READ, MAP_PRIVATE, fd, 0);
	ASSERT_NE(m, MAP_FAILED);
	CHECK_EQ(probe_read(m + end - 1), 0);
	CHECK_EQ(probe_read(m + end), SIGBUS);
	CHECK_EQ(probe_code, BUS_ADRERR);
	CHECK_EQ(probe_addr, m + end);
	CHECK_EQ(probe_read(m + end + PG + 8), SIGBUS);
	CHECK_EQ(munmap(m, end + 2 * PG), 0);
	/* An offset past EOF maps fine but faults with SIGBUS. */
	m = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, end + 4 * PG);
	ASSERT_NE(m, MAP_FAILED);
	CHECK_EQ(probe_read(m), SIGBUS);
	CHECK_EQ(munmap(m, PG), 0);

	/* Private writable mapping of a read-only fd: copy-on-write. */
	m = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ASSERT_NE(m, MAP_FAILED);
	CHECK_EQ(probe_write(m + 10, 'Z'), 0);
	CHECK_EQ(m[10], 'Z');
	CHECK_MEMEQ(m + 11, data + 11, 2 * PG - 11);
	/* The file and other mappings are unchanged. */
	char *m2 = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0);
	ASSERT_NE(m2, MAP_FAILED);
	CHECK_EQ(m2[10], data[10]);
	char c;
	CHECK_EQ(pread(fd, &c, 1, 10), 1);
	CHECK_EQ(c, data[10]);
	CHECK_EQ(munmap(m, 2 * PG), 0);
	CHECK_EQ(munmap(m2, PG), 0);

	/* A mapping outlives the fd. */
	int fd2;
	ASSERT_OK(fd2 = open(PATH, O_RDONLY));
	m = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd2, PG);
	ASSERT_NE(m, MAP_FAILED);
	CHECK_EQ(close(fd2), 0);
	CHECK_MEMEQ(m, data + PG, PG);
	CHECK_EQ(munmap(m, PG), 0);

	/* Errors. */
	errno = 0;
	CHECK_EQ(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), MAP_FAILED);
	CHECK_EQ(errno, EACCES); /* shared writable needs O_RDWR */
	errno = 0;
	CHECK_EQ(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 100), MAP_FAILED);
	CHECK_EQ(errno, EINVAL); /* unaligned offset */
	errno = 0;
	CHECK_EQ(mmap(NULL, 0, PROT_READ, MAP_PRIVATE, fd, 0), MAP_FAILED);
	CHECK_EQ(errno, EINVAL);
	errno = 0;
	CHECK_EQ(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, 999, 0), MAP_FAILED);
	CHECK_EQ(errno, EBADF);
	int dfd;
	ASSERT_OK(dfd = open("/usr", O_RDONLY | O_DIRECTORY));
	errno = 0;
	CHECK_EQ(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, dfd, 0), MAP_FAILED);
	CHECK_EQ(errno, ENODEV);
	close(dfd);
	int p[2];
	ASSERT_OK(pipe(p));
	errno = 0;
	CHECK_EQ(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, p[0], 0), MAP_FAILED);
	CHECK_EQ(errno, ENODEV);
	close(p[0]);
	close(p[1]);
	int wfd;
	ASSERT_OK(wfd = open("/dev/null", O_WRONLY));
	errno = 0;
	CHECK_EQ(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, wfd, 0), MAP_FAILED);
	CHECK_EQ(errno, EACCES); /* not open for reading */
	close(wfd);
	close(fd);
	free(data);
	return test_done();
}
