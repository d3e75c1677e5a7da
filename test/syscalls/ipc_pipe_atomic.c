//go:build ignore

/*
 * Pipe atomicity and capacity accounting (pipe(7)): writes of at most
 * PIPE_BUF bytes from several writers never interleave; a larger write on
 * a full O_NONBLOCK pipe fails with EAGAIN, and on a partly full one writes
 * what fits. Linux counts a pipe's capacity in page-sized slots: a write
 * that does not fit in the last slot's free tail starts a new slot.
 */
#include "testutil.h"
#include <fcntl.h>
#include <limits.h>
#include <sys/ioctl.h>

#define WRITERS 4
#define RECORDS 150

/* Each writer sends RECORDS records of len bytes: byte 0 is the writer's
 * letter, bytes 1-2 the record number, the rest the letter again. */
static void writer(int fd, int id, int len)
{
	char rec[PIPE_BUF];
	memset(rec, 'A' + id, len);
	for (int i = 0; i < RECORDS; i++) {
		rec[1] = (char)(i & 0xff);
		rec[2] = (char)(i >> 8);
		ssize_t n = write(fd, rec, len);
		if (n != len)
			FATAL("writer %d: write %d: got %zd errno %d", id, i, n, errno);
	}
}

/* run_writers starts WRITERS children writing records of len bytes to one
 * pipe and checks, reading in odd-sized chunks, that every record arrived
 * whole and in each writer's order. */
static void run_writers(int len)
{
	int p[2];
	ASSERT_OK(pipe(p));
	pid_t pids[WRITERS];
	for (int w = 0; w < WRITERS; w++) {
		pids[w] = test_fork();
		ASSERT_GE(pids[w], 0);
		if (pids[w] == 0) {
			close(p[0]);
			writer(p[1], w, len);
			child_exit();
		}
	}
	close(p[1]);
	static char stream[WRITERS * RECORDS * PIPE_BUF];
	size_t got = 0;
	for (;;) {
		size_t want = 777;
		if (want > sizeof(stream) - got)
			want = sizeof(stream) - got;
		if (want == 0)
			want = 1; /* must see EOF */
		ssize_t n = read(p[0], stream + got, want);
		if (n < 0)
			FATAL("read: errno %d", errno);
		if (n == 0)
			break;
		got += n;
		if (got > sizeof(stream))
			FATAL("too much data");
	}
	close(p[0]);
	CHECK_EQ(got, (size_t)WRITERS * RECORDS * len);
	int next[WRITERS] = {0};
	int bad = 0;
	for (size_t off = 0; off + len <= got; off += len) {
		const char *r = stream + off;
		int id = r[0] - 'A';
		if (id < 0 || id >= WRITERS) {
			bad++;
			continue;
		}
		int seq = (unsigned char)r[1] | (unsigned char)r[2] << 8;
		if (seq != next[id])
			bad++;
		next[id] = seq + 1;
		for (int i = 3; i < len; i++)
			if (r[i] != r[0]) {
				bad++;
				break;
			}
	}
	CHECK_EQ(bad, 0);
	for (int w = 0; w < WRITERS; w++) {
		CHECK_EQ(next[w], RECORDS);
		int st;
		CHECK_EQ(waitpid(pids[w], &st, 0), pids[w]);
		CHECK_CHILD_OK(st);
	}
}

static char big[1 << 20];

/* drain reads everything from a non-blocking read end and returns it. */
static long drain(int fd)
{
	long total = 0;
	for (;;) {
		ssize_t n = read(fd, big, sizeof(big));
		if (n < 0) {
			CHECK_EQ(errno, EAGAIN);
			return total;
		}
		if (n == 0)
			return total;
		total += n;
	}
}

int main(void)
{
	/* Records of exactly PIPE_BUF, and of an odd size below it. */
	run_writers(PIPE_BUF);
	run_writers(1000);

	int p[2];
	memset(big, 'x', sizeof(big));
	ASSERT_OK(pipe2(p, O_NONBLOCK));
	CHECK_EQ(fcntl(p[1], F_GETPIPE_SZ), 65536);
	/* An empty 64 KiB pipe takes a 64 KiB write whole, then is full: a
	 * larger-than-PIPE_BUF write is EAGAIN, and so is one byte. */
	CHECK_EQ(write(p[1], big, 65536 + 100), 65536);
	CHECK_ERRNO(write(p[1], big, PIPE_BUF + 1), -1, EAGAIN);
	CHECK_ERRNO(write(p[1], big, 1), -1, EAGAIN);
	/* One page read: a big write fills exactly that page. */
	CHECK_EQ(read(p[0], big, 4096), 4096);
	CHECK_EQ(write(p[1], big, 3 * 4096), 4096);
	CHECK_ERRNO(write(p[1], big, 3 * 4096), -1, EAGAIN);
	/* Two pages read: two pages written. */
	CHECK_EQ(read(p[0], big, 8192), 8192);
	CHECK_EQ(write(p[1], big, 3 * 4096), 8192);
	CHECK_EQ(drain(p[0]), 65536);

	/* Half a page read from the head frees no slot: still full. */
	CHECK_EQ(write(p[1], big, 65536), 65536);
	CHECK_EQ(read(p[0], big, 2048), 2048);
	CHECK_ERRNO(write(p[1], big, 100), -1, EAGAIN);
	CHECK_ERRNO(write(p[1], big, 8192), -1, EAGAIN);
	CHECK_EQ(drain(p[0]), 65536 - 2048);

	/* One byte, then a 64 KiB write: the byte holds a slot of its own, so
	 * 15 pages fit. */
	CHECK_EQ(write(p[1], big, 1), 1);
	CHECK_EQ(write(p[1], big, 65536), 61440);
	CHECK_EQ(drain(p[0]), 61441);

	/* Small writes share a slot while they fit in its page. */
	for (int i = 0; i < 16; i++)
		CHECK_EQ(write(p[1], big, 4000), 4000);
	/* Every slot is in use; 96 bytes still fit in the last page. */
	CHECK_EQ(write(p[1], big, 96), 96);
	CHECK_ERRNO(write(p[1], big, 1), -1, EAGAIN);
	int avail = -1;
	CHECK_EQ(ioctl(p[0], FIONREAD, &avail), 0);
	CHECK_EQ(avail, 16 * 4000 + 96);
	CHECK_EQ(drain(p[0]), 16 * 4000 + 96);

	/* A PIPE_BUF write needs a whole free slot even if bytes are free. */
	for (int i = 0; i < 16; i++)
		CHECK_EQ(write(p[1], big, 3000), 3000);
	CHECK_ERRNO(write(p[1], big, 2000), -1, EAGAIN);
	CHECK_EQ(write(p[1], big, 1000), 1000);
	CHECK_ERRNO(write(p[1], big, 97), -1, EAGAIN);
	CHECK_EQ(drain(p[0]), 16 * 3000 + 1000);
	close(p[0]);
	close(p[1]);
	return test_done();
}
