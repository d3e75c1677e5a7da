//go:build ignore

/* flock: shared and exclusive locks of open file descriptions. */
#include "testutil.h"
#include <poll.h>
#include <sys/file.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	int a, b, c;
	setup_dir();
	ASSERT_OK(a = open("f", O_CREAT | O_RDWR, 0644));
	ASSERT_OK(b = open("f", O_RDONLY));
	ASSERT_OK(c = open("f", O_WRONLY));

	/* Shared locks coexist; an exclusive one does not. */
	CHECK_EQ(flock(a, LOCK_SH), 0);
	CHECK_EQ(flock(b, LOCK_SH | LOCK_NB), 0);
	CHECK_ERRNO(flock(c, LOCK_EX | LOCK_NB), -1, EWOULDBLOCK);
	CHECK_EQ(flock(a, LOCK_UN), 0);
	CHECK_EQ(flock(b, LOCK_UN), 0);
	CHECK_EQ(flock(c, LOCK_EX | LOCK_NB), 0);
	CHECK_ERRNO(flock(a, LOCK_SH | LOCK_NB), -1, EWOULDBLOCK);
	/* A lock belongs to the description: a dup shares it, and locking
	 * again through it converts. */
	int d;
	ASSERT_OK(d = dup(c));
	CHECK_EQ(flock(d, LOCK_SH), 0);
	CHECK_EQ(flock(a, LOCK_SH | LOCK_NB), 0);
	CHECK_EQ(flock(a, LOCK_UN), 0);
	CHECK_EQ(flock(d, LOCK_EX | LOCK_NB), 0);
	/* Closing one fd keeps the lock; closing the last releases it. */
	close(c);
	CHECK_ERRNO(flock(a, LOCK_EX | LOCK_NB), -1, EWOULDBLOCK);
	close(d);
	CHECK_EQ(flock(a, LOCK_EX | LOCK_NB), 0);
	/* Bad operations. */
	CHECK_ERRNO(flock(a, 0), -1, EINVAL);
	CHECK_ERRNO(flock(a, LOCK_SH | LOCK_EX), -1, EINVAL);
	CHECK_ERRNO(flock(999, LOCK_SH), -1, EBADF);

	/* A blocked LOCK_EX waits for the holder to let go: the child
	 * reports on a pipe once it has the lock, which must not happen
	 * before the parent unlocks. */
	int sp[2];
	ASSERT_OK(pipe(sp));
	pid_t pid = test_fork();
	if (pid == 0) {
		close(sp[0]);
		int fd = open("f", O_RDONLY);
		CHECK_EQ(flock(fd, LOCK_EX), 0);
		if (write(sp[1], "L", 1) != 1)
			_exit(2);
		child_exit();
	}
	close(sp[1]);
	struct timespec ts = {0, 100000000};
	nanosleep(&ts, NULL);
	struct pollfd pf = {sp[0], POLLIN, 0};
	CHECK_EQ(poll(&pf, 1, 0), 0);
	CHECK_EQ(flock(a, LOCK_UN), 0);
	char got;
	CHECK_EQ(read(sp[0], &got, 1), 1);
	close(sp[0]);
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);

	/* A forked child shares the parent's description and its lock. */
	CHECK_EQ(flock(a, LOCK_EX), 0);
	pid = test_fork();
	if (pid == 0) {
		CHECK_EQ(flock(a, LOCK_EX | LOCK_NB), 0);
		CHECK_ERRNO(flock(b, LOCK_SH | LOCK_NB), -1, EWOULDBLOCK);
		child_exit();
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	close(a);
	close(b);

	cleanup_dir();
	return test_done();
}
