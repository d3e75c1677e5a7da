//go:build ignore

/* read, pread64, readv and preadv on a regular file: offsets, short reads, EOF. */
#include "testutil.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>

#define PATH "/etc/passwd"

int main(void)
{
	int fd;
	struct stat st;
	ASSERT_OK(fd = open(PATH, O_RDONLY));
	ASSERT_OK(fstat(fd, &st));
	ASSERT_GE(st.st_size, 16);
	size_t size = st.st_size;

	/* Whole file in one read with a bigger buffer: a short read of exactly size. */
	char *all = malloc(size + 100);
	ASSERT_NE(all, NULL);
	CHECK_EQ(read(fd, all, size + 100), size);
	/* At EOF: 0, repeatedly. */
	char c;
	CHECK_EQ(read(fd, &c, 1), 0);
	CHECK_EQ(read(fd, &c, 1), 0);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), size);
	/* A zero-length read returns 0 and does not move. */
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(read(fd, all + size, 0), 0);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0);

	/* Sequential small reads advance the offset and give the same bytes. */
	char buf[7];
	size_t off = 0;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0) {
			CHECK_EQ(n, 0);
			break;
		}
		size_t want = size - off < sizeof(buf) ? size - off : sizeof(buf);
		CHECK_EQ(n, want);
		CHECK_MEMEQ(buf, all + off, n);
		off += n;
		CHECK_EQ(lseek(fd, 0, SEEK_CUR), off);
	}
	CHECK_EQ(off, size);

	/* pread64 at offsets does not move the file offset. */
	CHECK_EQ(lseek(fd, 3, SEEK_SET), 3);
	CHECK_EQ(pread(fd, buf, 5, 10), 5);
	CHECK_MEMEQ(buf, all + 10, 5);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 3);
	CHECK_EQ(RAW(SYS_pread64, fd, buf, 5, 0), 5);
	CHECK_MEMEQ(buf, all, 5);
	/* Straddling EOF: short. At and past EOF: 0. */
	CHECK_EQ(pread(fd, buf, sizeof(buf), size - 2), 2);
	CHECK_MEMEQ(buf, all + size - 2, 2);
	CHECK_EQ(pread(fd, buf, sizeof(buf), size), 0);
	CHECK_EQ(pread(fd, buf, sizeof(buf), size + 1000000), 0);
	/* Negative offset. */
	CHECK_ERRNO(RAW(SYS_pread64, fd, buf, 1, -1L), -1, EINVAL);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 3);

	/* readv fills the iovecs in order, skipping empty ones. */
	char a[3], b[4], d[5];
	struct iovec iov[4] = {
		{ a, sizeof(a) }, { NULL, 0 }, { b, sizeof(b) }, { d, sizeof(d) },
	};
	CHECK_EQ(lseek(fd, 1, SEEK_SET), 1);
	CHECK_EQ(readv(fd, iov, 4), 12);
	CHECK_MEMEQ(a, all + 1, 3);
	CHECK_MEMEQ(b, all + 4, 4);
	CHECK_MEMEQ(d, all + 8, 5);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 13);
	/* readv near EOF: short, fills the first iovecs only. */
	CHECK_EQ(lseek(fd, size - 4, SEEK_SET), size - 4);
	memset(d, 'x', sizeof(d));
	CHECK_EQ(readv(fd, iov, 4), 4);
	CHECK_MEMEQ(a, all + size - 4, 3);
	CHECK_EQ(b[0], all[size - 1]);
	CHECK_EQ(d[0], 'x');
	CHECK_EQ(readv(fd, iov, 4), 0);
	/* iovcnt 0 reads nothing; negative or > IOV_MAX is EINVAL. */
	CHECK_EQ(readv(fd, iov, 0), 0);
	CHECK_ERRNO(RAW(SYS_readv, fd, iov, -1), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_readv, fd, iov, 1025), -1, EINVAL);

	/* preadv at an offset, offset unchanged. */
	CHECK_EQ(lseek(fd, 2, SEEK_SET), 2);
	CHECK_EQ(preadv(fd, iov, 4, 5), 12);
	CHECK_MEMEQ(a, all + 5, 3);
	CHECK_MEMEQ(d, all + 12, 5);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 2);

	/* Errors. */
	CHECK_ERRNO(read(-1, buf, 1), -1, EBADF);
	CHECK_ERRNO(read(12345, buf, 1), -1, EBADF);
	CHECK_ERRNO(RAW(SYS_read, fd, (void *)8, 1), -1, EFAULT);
	int dfd;
	ASSERT_OK(dfd = open("/usr", O_RDONLY | O_DIRECTORY));
	CHECK_ERRNO(read(dfd, buf, 1), -1, EISDIR);
	CHECK_ERRNO(pread(dfd, buf, 1, 0), -1, EISDIR);
	close(dfd);
	/* A write-only fd cannot be read: /dev/null opened O_WRONLY. */
	int wfd;
	ASSERT_OK(wfd = open("/dev/null", O_WRONLY));
	CHECK_ERRNO(read(wfd, buf, 1), -1, EBADF);
	close(wfd);
	/* /dev/null reads EOF. */
	ASSERT_OK(wfd = open("/dev/null", O_RDONLY));
	CHECK_EQ(read(wfd, buf, sizeof(buf)), 0);
	close(wfd);

	/* Two fds on the same file have independent offsets. */
	int fd2;
	ASSERT_OK(fd2 = open(PATH, O_RDONLY));
	CHECK_EQ(lseek(fd, 6, SEEK_SET), 6);
	CHECK_EQ(read(fd2, buf, 2), 2);
	CHECK_MEMEQ(buf, all, 2);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 6);
	close(fd2);
	close(fd);
	free(all);
	return test_done();
}
