//go:build ignore

/* lseek on regular files that grow and shrink, and shared offsets of
 * duplicated descriptors. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	int fd, d;
	setup_dir();
	ASSERT_OK(fd = open("f", O_CREAT | O_RDWR, 0644));
	CHECK_EQ(lseek(fd, 0, SEEK_END), 0);
	CHECK_EQ(write(fd, "0123456789", 10), 10);
	CHECK_EQ(lseek(fd, 0, SEEK_END), 10);
	CHECK_EQ(lseek(fd, -3, SEEK_END), 7);
	CHECK_EQ(lseek(fd, 2, SEEK_CUR), 9);
	CHECK_ERRNO(lseek(fd, -20, SEEK_CUR), -1, EINVAL);
	/* Past the end is allowed, and a write there leaves a hole. */
	CHECK_EQ(lseek(fd, 100, SEEK_SET), 100);
	CHECK_EQ(write(fd, "x", 1), 1);
	CHECK_EQ(lseek(fd, 0, SEEK_END), 101);
	/* SEEK_DATA / SEEK_HOLE: data at 0, a hole at the end at least. */
	CHECK_EQ(lseek(fd, 0, SEEK_DATA), 0);
	off_t h = lseek(fd, 0, SEEK_HOLE);
	CHECK(h >= 10 && h <= 101);
	CHECK_ERRNO(lseek(fd, 101, SEEK_DATA), -1, ENXIO);
	CHECK_ERRNO(lseek(fd, 0, 7), -1, EINVAL);
	/* The offset survives truncation below it. */
	CHECK_EQ(lseek(fd, 50, SEEK_SET), 50);
	CHECK_OK(ftruncate(fd, 5));
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 50);
	char c;
	CHECK_EQ(read(fd, &c, 1), 0);
	/* dup shares the offset; a new open does not. */
	ASSERT_OK(d = dup(fd));
	CHECK_EQ(lseek(fd, 2, SEEK_SET), 2);
	CHECK_EQ(lseek(d, 0, SEEK_CUR), 2);
	CHECK_EQ(read(d, &c, 1), 1);
	CHECK_EQ(c, '2');
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 3);
	int o;
	ASSERT_OK(o = open("f", O_RDONLY));
	CHECK_EQ(lseek(o, 0, SEEK_CUR), 0);
	close(o);
	/* Directories may be seeked to 0. */
	int dfd;
	ASSERT_OK(dfd = open(".", O_RDONLY | O_DIRECTORY));
	CHECK_EQ(lseek(dfd, 0, SEEK_SET), 0);
	close(dfd);
	close(d);
	close(fd);
	cleanup_dir();
	return test_done();
}
