//go:build ignore

/* A 64 MiB file written in odd-sized pieces reads back exactly. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

static unsigned char byte_at(long off) { return (unsigned char)(off * 2654435761u >> 13); }

int main(void)
{
	int fd;
	setup_dir();
	ASSERT_OK(fd = open("big", O_CREAT | O_RDWR, 0644));
	const long size = 64L << 20;
	static unsigned char buf[100003];
	long off = 0;
	while (off < size) {
		long n = sizeof(buf);
		if (off + n > size)
			n = size - off;
		for (long i = 0; i < n; i++)
			buf[i] = byte_at(off + i);
		ASSERT_EQ(write(fd, buf, n), n);
		off += n;
	}
	struct stat st;
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, size);
	/* Read back at other boundaries. */
	static unsigned char rb[65537];
	off = 0;
	long bad = -1;
	while (off < size) {
		ssize_t n = pread(fd, rb, sizeof(rb), off);
		ASSERT_GT(n, 0);
		for (long i = 0; i < n; i++)
			if (rb[i] != byte_at(off + i) && bad < 0)
				bad = off + i;
		off += n;
	}
	CHECK_EQ(bad, -1);
	CHECK_EQ(off, size);
	/* Truncating frees it: the file is empty after. */
	CHECK_OK(ftruncate(fd, 0));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 0);
	CHECK_EQ(st.st_blocks, 0);
	close(fd);
	cleanup_dir();
	return test_done();
}
