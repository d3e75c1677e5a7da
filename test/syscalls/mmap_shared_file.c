//go:build ignore

/* Shared and private mappings of a file written in /tmp: the mapping
 * and read/write see the same data. */
#include "testutil.h"
#include <sys/mman.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	char buf[64];
	int fd;
	setup_dir();
	ASSERT_OK(fd = open("f", O_CREAT | O_RDWR, 0644));
	ASSERT_OK(ftruncate(fd, 8192));

	char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(m, MAP_FAILED);
	/* A write through the mapping shows in read. */
	memcpy(m + 4096, "mapped", 6);
	CHECK_EQ(pread(fd, buf, 6, 4096), 6);
	CHECK_MEMEQ(buf, "mapped", 6);
	/* A write to the file shows in the mapping. */
	CHECK_EQ(pwrite(fd, "written", 7, 10), 7);
	CHECK_MEMEQ(m + 10, "written", 7);
	/* msync is accepted. */
	CHECK_EQ(msync(m, 8192, MS_SYNC), 0);

	/* A second shared mapping sees the first's writes. */
	char *m2 = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(m2, MAP_FAILED);
	m[100] = 'Q';
	CHECK_EQ(m2[100], 'Q');

	/* A private mapping copies on write, and then stops seeing the
	 * file there. */
	char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ASSERT_NE(p, MAP_FAILED);
	CHECK_EQ(p[100], 'Q');
	p[100] = 'P';
	CHECK_EQ(m[100], 'Q');
	CHECK_EQ(pread(fd, buf, 1, 100), 1);
	CHECK_EQ(buf[0], 'Q');

	/* A shared mapping survives close and unlink. */
	close(fd);
	CHECK_EQ(unlink("f"), 0);
	m[200] = 'Z';
	CHECK_EQ(m2[200], 'Z');

	/* Past the end of the file: SIGBUS. */
	int g;
	ASSERT_OK(g = open("g", O_CREAT | O_RDWR, 0644));
	CHECK_EQ(write(g, "x", 1), 1);
	char *e = mmap(NULL, 8192, PROT_READ, MAP_SHARED, g, 0);
	ASSERT_NE(e, MAP_FAILED);
	CHECK_EQ(e[0], 'x');
	CHECK_EQ(e[4095], 0);
	CHECK_EQ(probe_read(e + 4096), SIGBUS);
	/* Growing the file makes the page reachable. */
	ASSERT_OK(ftruncate(g, 8192));
	CHECK_EQ(probe_read(e + 4096), 0);
	close(g);

	/* A writable shared mapping needs a file open for writing. */
	int ro;
	ASSERT_OK(ro = open("g", O_RDONLY));
	CHECK_EQ(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0), MAP_FAILED);
	CHECK_EQ(errno, EACCES);
	close(ro);

	munmap(m, 8192);
	munmap(m2, 8192);
	munmap(p, 8192);
	munmap(e, 8192);
	cleanup_dir();
	return test_done();
}
