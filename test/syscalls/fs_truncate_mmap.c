//go:build ignore

/* Truncation seen through shared mappings: growing exposes zeros, shrinking makes whole pages past the end raise SIGBUS, the tail of the last page reads zeros, and stores through the map show in read(2). */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sys/mman.h>

int main(void)
{
	int fd;
	char buf[16];
	setup_dir();
	ASSERT_OK(fd = open("f", O_CREAT | O_RDWR, 0644));
	ASSERT_OK(ftruncate(fd, 3 * 4096));
	char *p = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(p, MAP_FAILED);
	/* Stores through the map show in read, and writes in the map. */
	p[0] = 'a';
	p[2 * 4096 + 5] = 'b';
	CHECK_EQ(pread(fd, buf, 1, 0), 1);
	CHECK_EQ(buf[0], 'a');
	CHECK_EQ(pwrite(fd, "c", 1, 4096), 1);
	CHECK_EQ(p[4096], 'c');
	/* The fourth page is past EOF: SIGBUS with BUS_ADRERR. */
	CHECK_EQ(probe_read(p + 3 * 4096), SIGBUS);
	CHECK_EQ(probe_code, BUS_ADRERR);
	CHECK_EQ(probe_addr, p + 3 * 4096);
	/* Shrinking to 1.5 pages: the third page faults, the tail of the
	 * second reads zeros, and the data before the end stays. */
	ASSERT_OK(ftruncate(fd, 4096 + 2048));
	CHECK_EQ(probe_read(p + 2 * 4096 + 5), SIGBUS);
	CHECK_EQ(probe_read(p + 4096 + 4000), 0);
	CHECK_EQ(p[4096 + 4000], 0);
	CHECK_EQ(p[4096], 'c');
	CHECK_EQ(p[0], 'a');
	/* A store into the tail past EOF is not file data. */
	p[4096 + 3000] = 'z';
	struct stat st;
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 4096 + 2048);
	CHECK_EQ(pread(fd, buf, 16, 4096 + 2040), 8);
	/* Growing again: zeros where the old data was, no SIGBUS. */
	ASSERT_OK(ftruncate(fd, 4 * 4096));
	CHECK_EQ(probe_read(p + 3 * 4096 + 10), 0);
	CHECK_EQ(p[2 * 4096 + 5], 0);
	CHECK_EQ(p[4096 + 3000], 0);
	CHECK_EQ(pread(fd, buf, 1, 2 * 4096 + 5), 1);
	CHECK_EQ(buf[0], 0);
	/* A second mapping of the same file sees the same bytes. */
	char *q = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 4096);
	ASSERT_NE(q, MAP_FAILED);
	p[4096 + 1] = 'q';
	CHECK_EQ(q[1], 'q');
	/* A private mapping keeps its copy after it writes, but sees the
	 * file change before. */
	char *r = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ASSERT_NE(r, MAP_FAILED);
	CHECK_EQ(r[0], 'a');
	r[0] = 'R';
	p[0] = 'P';
	CHECK_EQ(r[0], 'R');
	CHECK_EQ(pread(fd, buf, 1, 0), 1);
	CHECK_EQ(buf[0], 'P');
	/* truncate to 0 and mapping reads fault everywhere. */
	ASSERT_OK(ftruncate(fd, 0));
	CHECK_EQ(probe_read(p), SIGBUS);
	CHECK_EQ(probe_read(q), SIGBUS);
	CHECK_OK(munmap(p, 4 * 4096));
	CHECK_OK(munmap(q, 4096));
	CHECK_OK(munmap(r, 4096));
	close(fd);
	cleanup_dir();
	return test_done();
}
