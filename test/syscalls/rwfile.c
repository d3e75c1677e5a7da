//go:build ignore

/* Writing regular files: sizes, holes, offsets, O_APPEND, pread/pwrite. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sys/uio.h>

int main(void)
{
	struct stat st;
	char buf[8192];
	int fd;
	setup_dir();

	ASSERT_OK(fd = open("f", O_CREAT | O_RDWR, 0644));
	CHECK_EQ(write(fd, "abcdef", 6), 6);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 6);
	CHECK_EQ(pread(fd, buf, sizeof(buf), 0), 6);
	CHECK_MEMEQ(buf, "abcdef", 6);
	/* pwrite does not move the offset. */
	CHECK_EQ(pwrite(fd, "XY", 2, 2), 2);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 6);
	CHECK_EQ(pread(fd, buf, 6, 0), 6);
	CHECK_MEMEQ(buf, "abXYef", 6);
	/* A write past the end leaves a hole that reads as zeros. */
	CHECK_EQ(pwrite(fd, "Z", 1, 10000), 1);
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 10001);
	CHECK_EQ(pread(fd, buf, sizeof(buf), 6), sizeof(buf));
	for (int i = 0; i < (int)sizeof(buf); i++)
		if (buf[i] != 0) {
			FAIL("hole byte %d is %d", i, buf[i]);
			break;
		}
	CHECK_EQ(pread(fd, buf, 10, 9995), 6);
	CHECK_EQ(buf[5], 'Z');
	CHECK_EQ(pread(fd, buf, 10, 10001), 0);
	CHECK_EQ(pread(fd, buf, 10, 1 << 30), 0);
	CHECK_EQ(lseek(fd, 0, SEEK_END), 10001);
	/* Errors. */
	CHECK_ERRNO(pwrite(fd, "x", 1, -1), -1, EINVAL);
	CHECK_ERRNO(pread(fd, buf, 1, -1), -1, EINVAL);
	CHECK_ERRNO(write(fd, (void *)8, 1), -1, EFAULT);
	CHECK_EQ(write(fd, buf, 0), 0);
	close(fd);

	/* Read-only and write-only descriptors. */
	ASSERT_OK(fd = open("f", O_RDONLY));
	CHECK_ERRNO(write(fd, "x", 1), -1, EBADF);
	CHECK_ERRNO(pwrite(fd, "x", 1, 0), -1, EBADF);
	close(fd);
	ASSERT_OK(fd = open("f", O_WRONLY));
	CHECK_ERRNO(read(fd, buf, 1), -1, EBADF);
	close(fd);

	/* O_APPEND: every write goes to the end, wherever the offset is. */
	ASSERT_OK(fd = open("g", O_CREAT | O_WRONLY | O_APPEND, 0644));
	CHECK_EQ(write(fd, "12", 2), 2);
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(write(fd, "34", 2), 2);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 4);
	close(fd);
	ASSERT_OK(fd = open("g", O_RDONLY));
	CHECK_EQ(read(fd, buf, sizeof(buf)), 4);
	CHECK_MEMEQ(buf, "1234", 4);
	close(fd);
	/* On Linux, pwrite on an O_APPEND file appends too (pwrite(2),
	 * BUGS), and leaves the offset alone. */
	ASSERT_OK(fd = open("g", O_WRONLY | O_APPEND));
	CHECK_EQ(pwrite(fd, "56", 2, 0), 2);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0);
	close(fd);
	ASSERT_OK(fd = open("g", O_RDONLY));
	CHECK_EQ(read(fd, buf, sizeof(buf)), 6);
	CHECK_MEMEQ(buf, "123456", 6);
	close(fd);
	/* Two descriptions share the file, not their offsets. */
	int a, b;
	ASSERT_OK(a = open("h", O_CREAT | O_RDWR, 0644));
	ASSERT_OK(b = open("h", O_RDWR));
	CHECK_EQ(write(a, "aaaa", 4), 4);
	CHECK_EQ(write(b, "bb", 2), 2);
	CHECK_EQ(pread(a, buf, 4, 0), 4);
	CHECK_MEMEQ(buf, "bbaa", 4);
	/* A large write and read back. */
	static char big[1 << 20];
	for (int i = 0; i < (int)sizeof(big); i++)
		big[i] = i * 7;
	CHECK_EQ(pwrite(a, big, sizeof(big), 4095), sizeof(big));
	static char back[1 << 20];
	CHECK_EQ(pread(b, back, sizeof(back), 4095), sizeof(back));
	CHECK_MEMEQ(back, big, sizeof(big));
	CHECK_OK(fstat(b, &st));
	CHECK_EQ(st.st_size, 4095 + (1 << 20));
	CHECK_GE(st.st_blocks * 512, 1 << 20);
	close(a);
	close(b);

	/* writev and readv across iovecs. */
	struct iovec iov[3] = {{"one", 3}, {"", 0}, {"two", 3}};
	ASSERT_OK(fd = open("v", O_CREAT | O_RDWR | O_TRUNC, 0644));
	CHECK_EQ(writev(fd, iov, 3), 6);
	char x[2], y[4];
	struct iovec riov[2] = {{x, 2}, {y, 4}};
	CHECK_EQ(preadv(fd, riov, 2, 0), 6);
	CHECK_MEMEQ(x, "on", 2);
	CHECK_MEMEQ(y, "etwo", 4);
	close(fd);

	cleanup_dir();
	return test_done();
}
