//go:build ignore

/* Open file description locks (F_OFD_SETLK, F_OFD_GETLK). */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

static int ofd(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
	return fcntl(fd, cmd, &fl);
}

int main(void)
{
	int a, b;
	setup_dir();
	ASSERT_OK(a = open("f", O_CREAT | O_RDWR, 0644));
	ASSERT_OK(b = open("f", O_RDWR));

	/* Two descriptions in one process conflict. */
	CHECK_EQ(ofd(a, F_OFD_SETLK, F_WRLCK, 0, 10), 0);
	CHECK_ERRNO(ofd(b, F_OFD_SETLK, F_RDLCK, 5, 1), -1, EAGAIN);
	CHECK_EQ(ofd(b, F_OFD_SETLK, F_RDLCK, 10, 1), 0);
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
	CHECK_EQ(fcntl(b, F_OFD_GETLK, &fl), 0);
	CHECK_EQ(fl.l_type, F_WRLCK);
	CHECK_EQ(fl.l_pid, -1);
	CHECK_EQ(fl.l_len, 10);
	/* l_pid must be 0 on input. */
	struct flock bad = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_pid = 1};
	CHECK_ERRNO(fcntl(b, F_OFD_SETLK, &bad), -1, EINVAL);
	/* Closing another fd of the file does not drop OFD locks. */
	int c;
	ASSERT_OK(c = open("f", O_RDONLY));
	close(c);
	CHECK_ERRNO(ofd(b, F_OFD_SETLK, F_RDLCK, 5, 1), -1, EAGAIN);
	/* A dup shares the description and its locks. */
	int d;
	ASSERT_OK(d = dup(a));
	close(a);
	CHECK_ERRNO(ofd(b, F_OFD_SETLK, F_RDLCK, 5, 1), -1, EAGAIN);
	close(d);
	CHECK_EQ(ofd(b, F_OFD_SETLK, F_WRLCK, 0, 10), 0);
	/* POSIX locks of the same process conflict with OFD locks. */
	int e;
	ASSERT_OK(e = open("f", O_RDWR));
	struct flock p = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
	CHECK_ERRNO(fcntl(e, F_SETLK, &p), -1, EAGAIN);
	close(e);
	close(b);

	cleanup_dir();
	return test_done();
}
