//go:build ignore

/*
 * RLIMIT_NOFILE beyond open and dup (see rlimit): pipe, pipe2,
 * socketpair, eventfd, epoll_create1, accept4-less creators all fail with
 * EMFILE at the limit and create nothing (pipe does not leave one end
 * open); dup2/dup3 to a descriptor at or above the limit are EBADF;
 * F_DUPFD with a minimum at or above the limit is EINVAL, below it EMFILE
 * when full; descriptors above a lowered limit keep working; raising the
 * soft limit again lets creation succeed.
 */
#include "testutil.h"
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>

static int count_open(void)
{
	int n = 0;
	for (int fd = 0; fd < 256; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			n++;
	return n;
}

int main(void)
{
	struct rlimit old, rl;
	ASSERT_OK(getrlimit(RLIMIT_NOFILE, &old));
	/* A descriptor well above the limit we are about to set. */
	int high, nul = open("/dev/null", O_RDONLY);
	ASSERT_OK(nul);
	ASSERT_OK(high = dup2(nul, 100));
	close(nul);

	/* Fill the table up to a limit of 32. */
	rl.rlim_cur = 32;
	rl.rlim_max = old.rlim_max;
	ASSERT_OK(setrlimit(RLIMIT_NOFILE, &rl));
	int fds[64], nf = 0;
	for (;;) {
		int fd = open("/dev/null", O_RDONLY);
		if (fd < 0) {
			CHECK_EQ(errno, EMFILE);
			break;
		}
		CHECK_LT(fd, 32);
		fds[nf++] = fd;
	}
	int before = count_open();

	/* Every creator fails with EMFILE. */
	int p[2] = { -1, -1 }, sv[2] = { -1, -1 };
	CHECK_ERRNO(pipe(p), -1, EMFILE);
	CHECK_ERRNO(pipe2(p, O_CLOEXEC), -1, EMFILE);
	CHECK_ERRNO(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), -1, EMFILE);
	CHECK_ERRNO(eventfd(0, 0), -1, EMFILE);
	CHECK_ERRNO(epoll_create1(0), -1, EMFILE);
	CHECK_ERRNO(socket(AF_UNIX, SOCK_DGRAM, 0), -1, EMFILE);
	CHECK_ERRNO(dup(0), -1, EMFILE);
	CHECK_ERRNO(fcntl(0, F_DUPFD, 0), -1, EMFILE);
	/* At or above the limit: EBADF for dup2/dup3, EINVAL for F_DUPFD. */
	CHECK_ERRNO(dup2(0, 32), -1, EBADF);
	CHECK_ERRNO(dup3(0, 40, O_CLOEXEC), -1, EBADF);
	CHECK_ERRNO(fcntl(0, F_DUPFD, 32), -1, EINVAL);
	CHECK_ERRNO(fcntl(0, F_DUPFD_CLOEXEC, 1000), -1, EINVAL);
	/* Nothing half-created. */
	CHECK_EQ(count_open(), before);
	/* dup2 onto an existing descriptor below the limit still works. */
	CHECK_EQ(dup2(0, fds[nf - 1]), fds[nf - 1]);

	/* The descriptor above the limit still works, and can be closed. */
	CHECK_EQ(fcntl(high, F_GETFD), 0);
	char c;
	CHECK_EQ(read(high, &c, 1), 0);
	CHECK_EQ(close(high), 0);
	before--;

	/* Free one slot: a pipe needs two, so it still fails; one more and it
	 * works. */
	close(fds[--nf]);
	CHECK_ERRNO(pipe(p), -1, EMFILE);
	CHECK_EQ(count_open(), before - 1);
	close(fds[--nf]);
	CHECK_OK(pipe(p));
	close(p[0]);
	close(p[1]);

	/* Raising the soft limit lets creation go on. */
	rl.rlim_cur = 64;
	CHECK_OK(setrlimit(RLIMIT_NOFILE, &rl));
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	int x = open("/dev/null", O_RDONLY);
	CHECK_GE(x, 32);
	close(x);
	close(sv[0]);
	close(sv[1]);
	CHECK_EQ(dup2(0, 63), 63);
	CHECK_ERRNO(dup2(0, 64), -1, EBADF);
	close(63);

	for (int i = 0; i < nf; i++)
		close(fds[i]);
	CHECK_OK(setrlimit(RLIMIT_NOFILE, &old));
	return test_done();
}
