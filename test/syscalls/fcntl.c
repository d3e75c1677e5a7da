//go:build ignore

/* fcntl: F_GETFD/F_SETFD, F_GETFL/F_SETFL, F_DUPFD, F_DUPFD_CLOEXEC, errors. */
#include "testutil.h"
#include <fcntl.h>
#include <sys/resource.h>

#define O_LARGEFILE_KERNEL 0100000

int main(void)
{
	int p[2], fd;
	char c;

	ASSERT_OK(pipe(p));
	/* Pipe ends: O_RDONLY and O_WRONLY, no O_LARGEFILE... */
	CHECK_EQ(fcntl(p[0], F_GETFL), O_RDONLY);
	CHECK_EQ(fcntl(p[1], F_GETFL), O_WRONLY);
	/* F_SETFL O_NONBLOCK makes an empty read fail with EAGAIN. */
	CHECK_EQ(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
	CHECK_EQ(fcntl(p[0], F_GETFL), O_RDONLY | O_NONBLOCK);
	CHECK_ERRNO(read(p[0], &c, 1), -1, EAGAIN);
	CHECK_EQ(write(p[1], "a", 1), 1);
	CHECK_EQ(read(p[0], &c, 1), 1);
	/* F_SETFL ignores the access mode and creation flags. */
	CHECK_EQ(fcntl(p[0], F_SETFL, O_WRONLY | O_CREAT | O_TRUNC), 0);
	CHECK_EQ(fcntl(p[0], F_GETFL), O_RDONLY);
	CHECK_EQ(fcntl(p[1], F_SETFL, O_RDWR), 0);
	CHECK_EQ(fcntl(p[1], F_GETFL), O_WRONLY);
	/* O_APPEND can be set on a regular file; it shows in F_GETFL. */
	ASSERT_OK(fd = open("/etc/passwd", O_RDONLY));
	CHECK_EQ(fcntl(fd, F_GETFL), O_RDONLY | O_LARGEFILE_KERNEL);
	CHECK_EQ(fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK), 0);
	CHECK_EQ(fcntl(fd, F_GETFL), O_RDONLY | O_LARGEFILE_KERNEL | O_APPEND | O_NONBLOCK);
	CHECK_EQ(fcntl(fd, F_SETFL, 0), 0);
	CHECK_EQ(fcntl(fd, F_GETFL), O_RDONLY | O_LARGEFILE_KERNEL);

	/* F_GETFD/F_SETFD: only FD_CLOEXEC is kept. */
	CHECK_EQ(fcntl(fd, F_GETFD), 0);
	CHECK_EQ(fcntl(fd, F_SETFD, FD_CLOEXEC), 0);
	CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(fd, F_SETFD, 0xfe), 0);
	CHECK_EQ(fcntl(fd, F_GETFD), 0);
	CHECK_EQ(fcntl(fd, F_SETFD, 0xff), 0);
	CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);

	/* F_DUPFD: the lowest free fd >= arg, without close-on-exec. */
	int d;
	ASSERT_OK(d = fcntl(fd, F_DUPFD, 0));
	CHECK_EQ(d, fd + 1);
	CHECK_EQ(fcntl(d, F_GETFD), 0);
	close(d);
	CHECK_EQ(fcntl(fd, F_DUPFD, 50), 50);
	CHECK_EQ(fcntl(fd, F_DUPFD, 50), 51);
	CHECK_EQ(fcntl(fd, F_DUPFD, 49), 49);
	CHECK_EQ(fcntl(fd, F_DUPFD, 49), 52);
	CHECK_EQ(fcntl(50, F_GETFD), 0);
	/* The dup shares the offset. */
	CHECK_EQ(lseek(fd, 9, SEEK_SET), 9);
	CHECK_EQ(lseek(51, 0, SEEK_CUR), 9);
	/* F_DUPFD_CLOEXEC: the same, with close-on-exec set. */
	CHECK_EQ(fcntl(fd, F_DUPFD_CLOEXEC, 60), 60);
	CHECK_EQ(fcntl(60, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(fd, F_DUPFD_CLOEXEC, 60), 61);
	CHECK_EQ(fcntl(61, F_GETFD), FD_CLOEXEC);
	/* A negative minimum or one at the limit: EINVAL. */
	struct rlimit rl;
	ASSERT_OK(getrlimit(RLIMIT_NOFILE, &rl));
	CHECK_ERRNO(fcntl(fd, F_DUPFD, -1), -1, EINVAL);
	CHECK_ERRNO(fcntl(fd, F_DUPFD, (int)rl.rlim_cur), -1, EINVAL);
	CHECK_ERRNO(fcntl(fd, F_DUPFD_CLOEXEC, (int)rl.rlim_cur), -1, EINVAL);
	for (int i = 49; i <= 61; i++)
		close(i);

	/* Errors. */
	CHECK_ERRNO(fcntl(-1, F_GETFD), -1, EBADF);
	CHECK_ERRNO(fcntl(1234, F_GETFL), -1, EBADF);
	CHECK_ERRNO(fcntl(1234, F_DUPFD, 0), -1, EBADF);
	CHECK_ERRNO(RAW(SYS_fcntl, fd, 0x7fff, 0), -1, EINVAL);
	/* O_PATH fds allow F_GETFD/F_GETFL/F_DUPFD. */
	int pfd;
	ASSERT_OK(pfd = open("/etc/passwd", O_PATH));
	CHECK_EQ(fcntl(pfd, F_GETFL), O_PATH);
	CHECK_EQ(fcntl(pfd, F_GETFD), 0);
	ASSERT_OK(d = fcntl(pfd, F_DUPFD_CLOEXEC, 0));
	CHECK_EQ(fcntl(d, F_GETFD), FD_CLOEXEC);
	close(d);
	close(pfd);

	/* F_GETPIPE_SZ: 16 pages by default. */
	CHECK_EQ(fcntl(p[0], F_GETPIPE_SZ), 65536);
	CHECK_ERRNO(fcntl(fd, F_GETPIPE_SZ), -1, EBADF);
	close(fd);
	close(p[0]);
	close(p[1]);
	return test_done();
}
