//go:build ignore
/*
 * A mapping keeps its file alive: a tmpfs file that is unlinked and closed
 * while mapped keeps its data for the mapping (and for a forked child's
 * copy of it), and its memory is given back when the last mapping goes.
 * The space is watched through statfs of /dev/shm: a loop of
 * create/fallocate/mmap/unlink/close/munmap of 16 MiB files must leave the
 * free space where it started (the sandbox's /dev/shm is 64 MiB, so a
 * leak would also run it out of space).
 */
#include "testutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#define SIZE (16L << 20)
#define MIB (1L << 20)

static long free_bytes(void) {
	struct statfs s;
	if (statfs("/dev/shm", &s) != 0)
		return -1;
	return (long)s.f_bfree * s.f_bsize;
}

int main(void) {
	char path[64];
	snprintf(path, sizeof path, "/dev/shm/moat-mmap-unlinked-%d", getpid());
	long start = free_bytes();
	ASSERT_GT(start, SIZE);
	for (int i = 0; i < 5; i++) {
		int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
		ASSERT_GE(fd, 0);
		ASSERT_EQ(fallocate(fd, 0, 0, SIZE), 0);
		char *m = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		ASSERT_NE(m, MAP_FAILED);
		memset(m, 'a' + i, SIZE);
		CHECK_EQ(unlink(path), 0);
		CHECK_EQ(close(fd), 0);
		/* The data is still there, and still takes space. */
		CHECK_EQ(m[0], 'a' + i);
		CHECK_EQ(m[SIZE - 1], 'a' + i);
		CHECK_LE(free_bytes(), start - SIZE + MIB);
		/* A forked child shares the mapping, and outlives the parent's. */
		int pfd[2];
		ASSERT_EQ(pipe(pfd), 0);
		pid_t pid = test_fork();
		if (pid == 0) {
			char c;
			close(pfd[1]);
			CHECK_EQ(read(pfd[0], &c, 1), 0);
			CHECK_EQ(m[SIZE / 2], 'A' + i);
			CHECK_EQ(m[SIZE - 1], 'a' + i);
			child_exit();
		}
		close(pfd[0]);
		m[SIZE / 2] = 'A' + i;
		CHECK_EQ(munmap(m, SIZE), 0);
		close(pfd[1]);
		int st;
		CHECK_EQ(waitpid(pid, &st, 0), pid);
		CHECK_CHILD_OK(st);
		/* The last mapping is gone: so is the file's memory. */
		CHECK_GE(free_bytes(), start - MIB);
	}

	/* A partial munmap keeps the rest; the pages go with the last part. */
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(fallocate(fd, 0, 0, SIZE), 0);
	char *m = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(m, MAP_FAILED);
	memset(m, 'z', SIZE);
	CHECK_EQ(unlink(path), 0);
	CHECK_EQ(close(fd), 0);
	CHECK_EQ(munmap(m, SIZE / 2), 0);
	CHECK_EQ(mprotect(m + SIZE / 2, 4096, PROT_READ), 0); /* split the rest */
	CHECK_EQ(m[SIZE / 2], 'z');
	CHECK_EQ(m[SIZE - 1], 'z');
	CHECK_LE(free_bytes(), start - SIZE + MIB);
	CHECK_EQ(munmap(m + SIZE / 2, SIZE / 2), 0);
	CHECK_GE(free_bytes(), start - MIB);
	return test_done();
}
