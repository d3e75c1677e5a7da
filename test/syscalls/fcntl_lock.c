//go:build ignore

/* fcntl record locks: F_SETLK, F_SETLKW, F_GETLK between processes. */
#include "testutil.h"
#include <poll.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

static int lk(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
	return fcntl(fd, cmd, &fl);
}

static struct flock getlk(int fd, short type, off_t start, off_t len)
{
	struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
	if (fcntl(fd, F_GETLK, &fl))
		FATAL("F_GETLK: errno %d", errno);
	return fl;
}

int main(void)
{
	int fd;
	setup_dir();
	ASSERT_OK(fd = open("f", O_CREAT | O_RDWR, 0644));

	/* The owner's own locks never conflict with it. */
	CHECK_EQ(lk(fd, F_SETLK, F_WRLCK, 0, 10), 0);
	CHECK_EQ(lk(fd, F_SETLK, F_RDLCK, 5, 10), 0);
	CHECK_EQ(getlk(fd, F_WRLCK, 0, 0).l_type, F_UNLCK);

	int sync[2], done[2];
	ASSERT_OK(pipe(sync));
	ASSERT_OK(pipe(done));
	pid_t pid = test_fork();
	if (pid == 0) {
		/* [0,5) is write-locked, [5,15) read-locked by the parent. */
		struct flock fl = getlk(fd, F_WRLCK, 0, 1);
		CHECK_EQ(fl.l_type, F_WRLCK);
		CHECK_EQ(fl.l_start, 0);
		CHECK_EQ(fl.l_len, 5);
		CHECK_EQ(fl.l_pid, getppid());
		fl = getlk(fd, F_RDLCK, 7, 1);
		CHECK_EQ(fl.l_type, F_UNLCK);
		fl = getlk(fd, F_WRLCK, 7, 1);
		CHECK_EQ(fl.l_type, F_RDLCK);
		CHECK_EQ(fl.l_start, 5);
		CHECK_EQ(fl.l_len, 10);
		CHECK_EQ(getlk(fd, F_WRLCK, 15, 0).l_type, F_UNLCK);
		CHECK_ERRNO(lk(fd, F_SETLK, F_WRLCK, 3, 1), -1, EAGAIN);
		CHECK_EQ(lk(fd, F_SETLK, F_RDLCK, 6, 2), 0);
		CHECK_EQ(lk(fd, F_SETLK, F_WRLCK, 100, 0), 0);
		/* Wait for the parent to drop [0,5), then take it, and say
		 * so. */
		if (write(sync[1], "x", 1) != 1)
			FATAL("write");
		CHECK_EQ(lk(fd, F_SETLKW, F_WRLCK, 0, 5), 0);
		if (write(done[1], "L", 1) != 1)
			FATAL("write");
		child_exit();
	}
	char c;
	ASSERT_EQ(read(sync[0], &c, 1), 1);
	/* The child holds [100, EOF). */
	struct flock fl = getlk(fd, F_RDLCK, 200, 1);
	CHECK_EQ(fl.l_type, F_WRLCK);
	CHECK_EQ(fl.l_pid, pid);
	CHECK_EQ(fl.l_len, 0);
	struct timespec ts = {0, 100000000};
	nanosleep(&ts, NULL);
	/* The child is still waiting. */
	struct pollfd pf = {done[0], POLLIN, 0};
	CHECK_EQ(poll(&pf, 1, 0), 0);
	/* Unlocking part of a range splits it, and lets the child in. */
	CHECK_EQ(lk(fd, F_SETLK, F_UNLCK, 0, 5), 0);
	CHECK_EQ(read(done[0], &c, 1), 1);
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	/* The child's locks went with it. */
	CHECK_EQ(getlk(fd, F_WRLCK, 0, 0).l_type, F_UNLCK);

	/* Closing any fd of the file drops the process's locks. */
	CHECK_EQ(lk(fd, F_SETLK, F_WRLCK, 0, 0), 0);
	int other;
	ASSERT_OK(other = open("f", O_RDONLY));
	close(other);
	pid = test_fork();
	if (pid == 0) {
		CHECK_EQ(getlk(fd, F_WRLCK, 0, 0).l_type, F_UNLCK);
		child_exit();
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);

	/* Errors: bad type, bad whence, lock types the open mode forbids,
	 * negative start. */
	CHECK_ERRNO(lk(fd, F_SETLK, 7, 0, 1), -1, EINVAL);
	struct flock bad = {.l_type = F_RDLCK, .l_whence = 9};
	CHECK_ERRNO(fcntl(fd, F_SETLK, &bad), -1, EINVAL);
	CHECK_ERRNO(lk(fd, F_SETLK, F_RDLCK, -1, 1), -1, EINVAL);
	int ro, wo;
	ASSERT_OK(ro = open("f", O_RDONLY));
	ASSERT_OK(wo = open("f", O_WRONLY));
	CHECK_ERRNO(lk(ro, F_SETLK, F_WRLCK, 0, 1), -1, EBADF);
	CHECK_ERRNO(lk(wo, F_SETLK, F_RDLCK, 0, 1), -1, EBADF);
	CHECK_ERRNO(fcntl(fd, F_SETLK, (void *)8), -1, EFAULT);
	/* SEEK_CUR and negative lengths. */
	CHECK_EQ(lseek(fd, 50, SEEK_SET), 50);
	struct flock cur = {.l_type = F_WRLCK, .l_whence = SEEK_CUR, .l_start = 0, .l_len = -10};
	CHECK_EQ(fcntl(fd, F_SETLK, &cur), 0);
	pid = test_fork();
	if (pid == 0) {
		struct flock g = getlk(fd, F_RDLCK, 0, 0);
		CHECK_EQ(g.l_type, F_WRLCK);
		CHECK_EQ(g.l_start, 40);
		CHECK_EQ(g.l_len, 10);
		child_exit();
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	close(ro);
	close(wo);
	close(fd);

	cleanup_dir();
	return test_done();
}
