//go:build ignore
/*
 * Writable MAP_SHARED file mappings are the file: a store through the
 * mapping is seen at once by read(2) through another fd, a write(2) at
 * once through the mapping (one page cache), msync(MS_SYNC) and fsync
 * succeed, and ftruncate shrinking a mapped file makes the pages past the
 * new end raise SIGBUS (BUS_ADRERR), the rest of the last page reading
 * zeros. The data reaches the file when the mapping goes (munmap, or the
 * process's exit).
 *
 * With no argument it works in a fresh directory under /tmp (a tmpfs in
 * the sandbox). test/e2e runs it on a host directory mounted with
 * --volume, with the argument DIR, and then checks the host files: in
 * that mode it leaves DIR/exit stored to but still mapped at exit.
 */
#include "testutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define PG 4096

static char *path_in(const char *dir, const char *name) {
	static char buf[8][512];
	static int n;
	char *p = buf[n++ % 8];
	snprintf(p, 512, "%s/%s", dir, name);
	return p;
}

int main(int argc, char **argv) {
	char tmpl[] = "/tmp/moat-mmap-shared-XXXXXX";
	const char *dir = argc > 1 ? argv[1] : mkdtemp(tmpl);
	ASSERT_NE(dir, NULL);

	/* Coherence between the mapping, read(2) and write(2). */
	int fd = open(path_in(dir, "coherent"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(ftruncate(fd, 3 * PG), 0);
	char *m = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(m, MAP_FAILED);
	int rfd = open(path_in(dir, "coherent"), O_RDONLY);
	ASSERT_GE(rfd, 0);
	char buf[64] = {0};
	CHECK_EQ(pread(rfd, buf, 8, 0), 8);
	CHECK_MEMEQ(buf, "\0\0\0\0\0\0\0\0", 8);
	memcpy(m, "mapped-1", 8);
	CHECK_EQ(pread(rfd, buf, 8, 0), 8);
	CHECK_MEMEQ(buf, "mapped-1", 8);
	CHECK_EQ(pwrite(fd, "written", 7, PG + 10), 7);
	CHECK_MEMEQ(m + PG + 10, "written", 7);
	memcpy(m + 2 * PG + 100, "third", 5);
	CHECK_EQ(msync(m, 3 * PG, MS_SYNC), 0);
	CHECK_EQ(pread(rfd, buf, 5, 2 * PG + 100), 5);
	CHECK_MEMEQ(buf, "third", 5);
	/* A second mapping of the same file shares the pages. */
	char *m2 = mmap(NULL, PG, PROT_READ, MAP_SHARED, rfd, 2 * PG);
	ASSERT_NE(m2, MAP_FAILED);
	CHECK_MEMEQ(m2 + 100, "third", 5);
	m[2 * PG + 100] = 'T';
	CHECK_EQ(m2[100], 'T');
	CHECK_EQ(fsync(fd), 0);
	CHECK_EQ(munmap(m2, PG), 0);
	CHECK_EQ(munmap(m, 3 * PG), 0);
	CHECK_EQ(close(fd), 0);
	/* After munmap and close, a new open reads what was stored. */
	int fd2 = open(path_in(dir, "coherent"), O_RDONLY);
	ASSERT_GE(fd2, 0);
	CHECK_EQ(pread(fd2, buf, 8, 0), 8);
	CHECK_MEMEQ(buf, "mapped-1", 8);
	CHECK_EQ(pread(fd2, buf, 5, 2 * PG + 100), 5);
	CHECK_MEMEQ(buf, "Third", 5);
	close(fd2);
	close(rfd);

	/* ftruncate shrinking a mapped file: SIGBUS past the new end. */
	fd = open(path_in(dir, "shrink"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(ftruncate(fd, 3 * PG), 0);
	m = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(m, MAP_FAILED);
	memset(m, 'x', 3 * PG);
	CHECK_EQ(ftruncate(fd, 100), 0);
	CHECK_EQ(probe_read(m + 50), 0);
	CHECK_EQ(m[50], 'x');
	CHECK_EQ(probe_read(m + 200), 0);
	CHECK_EQ(m[200], 0); /* the rest of the last page reads zeros */
	CHECK_EQ(probe_read(m + PG), SIGBUS);
	CHECK_EQ(probe_code, BUS_ADRERR);
	CHECK_EQ(probe_addr, m + PG);
	CHECK_EQ(probe_write(m + 2 * PG + 5, 'y'), SIGBUS);
	struct stat st;
	CHECK_EQ(fstat(fd, &st), 0);
	CHECK_EQ(st.st_size, 100);
	/* Growing the file again brings zero pages back. */
	CHECK_EQ(ftruncate(fd, 2 * PG), 0);
	CHECK_EQ(probe_read(m + PG), 0);
	CHECK_EQ(m[PG], 0);
	CHECK_EQ(probe_read(m + 2 * PG), SIGBUS);
	CHECK_EQ(munmap(m, 3 * PG), 0);
	CHECK_EQ(pread(fd, buf, 4, 98), 4);
	CHECK_MEMEQ(buf, "xx\0\0", 4);
	close(fd);

	/* Stored, unmapped, closed: the file has it. */
	fd = open(path_in(dir, "unmapped"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(ftruncate(fd, PG), 0);
	m = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(m, MAP_FAILED);
	CHECK_EQ(close(fd), 0);
	memcpy(m + 7, "after close", 11);
	CHECK_EQ(munmap(m, PG), 0);

	if (argc > 1) {
		/* Stored and left mapped: exit writes it back. */
		fd = open(path_in(dir, "exit"), O_RDWR | O_CREAT | O_TRUNC, 0644);
		ASSERT_GE(fd, 0);
		ASSERT_EQ(ftruncate(fd, 2 * PG), 0);
		m = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		ASSERT_NE(m, MAP_FAILED);
		memcpy(m + PG + 1, "at exit", 7);
	}
	fd = open(path_in(dir, "unmapped"), O_RDONLY);
	ASSERT_GE(fd, 0);
	CHECK_EQ(pread(fd, buf, 11, 7), 11);
	CHECK_MEMEQ(buf, "after close", 11);
	close(fd);
	if (argc == 1) {
		unlink(path_in(dir, "coherent"));
		unlink(path_in(dir, "shrink"));
		unlink(path_in(dir, "unmapped"));
		rmdir(dir);
	}
	return test_done();
}
