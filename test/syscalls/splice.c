//go:build ignore

/* splice between files and pipes. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	char buf[256];
	int f, g, p[2];
	setup_dir();
	ASSERT_OK(f = open("f", O_CREAT | O_RDWR, 0644));
	CHECK_EQ(write(f, "0123456789", 10), 10);
	ASSERT_OK(g = open("g", O_CREAT | O_RDWR, 0644));
	ASSERT_OK(pipe(p));

	/* File to pipe at an offset. */
	loff_t off = 2;
	CHECK_EQ(splice(f, &off, p[1], NULL, 5, 0), 5);
	CHECK_EQ(off, 7);
	CHECK_EQ(lseek(f, 0, SEEK_CUR), 10);
	/* Pipe to file through the file offset. */
	CHECK_EQ(splice(p[0], NULL, g, NULL, 100, 0), 5);
	CHECK_EQ(lseek(g, 0, SEEK_CUR), 5);
	CHECK_EQ(pread(g, buf, sizeof(buf), 0), 5);
	CHECK_MEMEQ(buf, "23456", 5);
	/* File offset used and moved when no pointer. */
	CHECK_EQ(lseek(f, 8, SEEK_SET), 8);
	CHECK_EQ(splice(f, NULL, p[1], NULL, 100, 0), 2);
	CHECK_EQ(lseek(f, 0, SEEK_CUR), 10);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 2);
	CHECK_MEMEQ(buf, "89", 2);

	/* Pipe to pipe. */
	int q[2];
	ASSERT_OK(pipe(q));
	CHECK_EQ(write(p[1], "hello", 5), 5);
	CHECK_EQ(splice(p[0], NULL, q[1], NULL, 3, 0), 3);
	CHECK_EQ(read(q[0], buf, sizeof(buf)), 3);
	CHECK_MEMEQ(buf, "hel", 3);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 2);

	/* An empty pipe with SPLICE_F_NONBLOCK. */
	CHECK_ERRNO(splice(p[0], NULL, g, NULL, 10, SPLICE_F_NONBLOCK), -1, EAGAIN);
	/* No writers: end of file. */
	close(q[1]);
	CHECK_EQ(splice(q[0], NULL, g, NULL, 10, 0), 0);

	/* Errors: no pipe, offsets on pipes, bad flags, bad fds. */
	CHECK_ERRNO(splice(f, NULL, g, NULL, 1, 0), -1, EINVAL);
	off = 0;
	CHECK_ERRNO(splice(p[0], &off, g, NULL, 1, 0), -1, ESPIPE);
	CHECK_ERRNO(splice(f, NULL, p[1], &off, 1, 0), -1, ESPIPE);
	CHECK_ERRNO(splice(999, NULL, p[1], NULL, 1, 0), -1, EBADF);
	CHECK_ERRNO(splice(p[1], NULL, g, NULL, 1, 0), -1, EBADF);
	CHECK_EQ(splice(f, NULL, p[1], NULL, 0, 0), 0);

	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(f);
	close(g);
	cleanup_dir();
	return test_done();
}
