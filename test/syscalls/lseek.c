//go:build ignore

/* lseek: SEEK_SET, SEEK_CUR, SEEK_END, seeking past EOF, and errors. */
#include "testutil.h"
#include <fcntl.h>
#include <sys/stat.h>

int main(void)
{
	int fd, p[2];
	struct stat st;
	char all[64], c;

	ASSERT_OK(fd = open("/etc/passwd", O_RDONLY));
	ASSERT_OK(fstat(fd, &st));
	off_t size = st.st_size;
	ASSERT_GE(size, (off_t)sizeof(all));
	ASSERT_EQ(pread(fd, all, sizeof(all), 0), sizeof(all));

	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0);
	CHECK_EQ(lseek(fd, 10, SEEK_SET), 10);
	CHECK_EQ(read(fd, &c, 1), 1);
	CHECK_EQ(c, all[10]);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 11);
	CHECK_EQ(lseek(fd, 5, SEEK_CUR), 16);
	CHECK_EQ(lseek(fd, -6, SEEK_CUR), 10);
	CHECK_EQ(read(fd, &c, 1), 1);
	CHECK_EQ(c, all[10]);
	CHECK_EQ(lseek(fd, 0, SEEK_END), size);
	CHECK_EQ(read(fd, &c, 1), 0);
	CHECK_EQ(lseek(fd, -1, SEEK_END), size - 1);
	CHECK_EQ(lseek(fd, -(off_t)size, SEEK_END), 0);
	CHECK_EQ(read(fd, &c, 1), 1);
	CHECK_EQ(c, all[0]);

	/* Past EOF is allowed; reads there return 0. */
	CHECK_EQ(lseek(fd, size + 4096, SEEK_SET), size + 4096);
	CHECK_EQ(read(fd, &c, 1), 0);
	CHECK_EQ(lseek(fd, 100, SEEK_END), size + 100);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), size + 100);

	/* A negative resulting offset is EINVAL and leaves the offset alone. */
	CHECK_EQ(lseek(fd, 7, SEEK_SET), 7);
	CHECK_ERRNO(lseek(fd, -1, SEEK_SET), -1, EINVAL);
	CHECK_ERRNO(lseek(fd, -8, SEEK_CUR), -1, EINVAL);
	CHECK_ERRNO(lseek(fd, -(size + 1), SEEK_END), -1, EINVAL);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 7);
	/* A bad whence is EINVAL. */
	CHECK_ERRNO(lseek(fd, 0, 5), -1, EINVAL);
	CHECK_ERRNO(lseek(fd, 0, -1), -1, EINVAL);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 7);

	/* SEEK_DATA and SEEK_HOLE on a file without holes. */
	CHECK_EQ(lseek(fd, 3, SEEK_DATA), 3);
	CHECK_EQ(lseek(fd, 3, SEEK_HOLE), size);
	CHECK_ERRNO(lseek(fd, size, SEEK_DATA), -1, ENXIO);
	CHECK_ERRNO(lseek(fd, size + 10, SEEK_HOLE), -1, ENXIO);

	/* Bad fd. */
	CHECK_ERRNO(lseek(-1, 0, SEEK_SET), -1, EBADF);
	CHECK_ERRNO(lseek(4242, 0, SEEK_SET), -1, EBADF);

	/* Pipes are not seekable. */
	ASSERT_OK(pipe(p));
	CHECK_ERRNO(lseek(p[0], 0, SEEK_SET), -1, ESPIPE);
	CHECK_ERRNO(lseek(p[1], 0, SEEK_CUR), -1, ESPIPE);
	CHECK_ERRNO(lseek(p[0], 0, SEEK_END), -1, ESPIPE);
	close(p[0]);
	close(p[1]);

	/* Directories can be rewound to 0. */
	int dfd;
	ASSERT_OK(dfd = open("/usr", O_RDONLY | O_DIRECTORY));
	CHECK_EQ(lseek(dfd, 0, SEEK_SET), 0);
	close(dfd);

	/* The offset is shared with a dup. */
	int fd2;
	ASSERT_OK(fd2 = dup(fd));
	CHECK_EQ(lseek(fd, 20, SEEK_SET), 20);
	CHECK_EQ(lseek(fd2, 0, SEEK_CUR), 20);
	close(fd2);
	close(fd);
	return test_done();
}
