//go:build ignore

/*
 * epoll_ctl(2) details: which error wins when several apply (EFAULT for
 * the event first, then EBADF, then EPERM for a file that cannot be
 * polled, then EINVAL for a non-epoll or same fd), EPERM on regular files
 * and directories, interests keyed by (fd, open file description): a dup
 * is a separate interest, closing one fd of a description that is still
 * open elsewhere keeps the interest reported under its old fd number,
 * and closing the last fd of the description removes it.
 */
#include "testutil.h"
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

static int ctl(int ep, int op, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event e;
	memset(&e, 0, sizeof(e));
	e.events = events;
	e.data.u64 = data;
	return epoll_ctl(ep, op, fd, &e);
}

int main(void)
{
	int ep, efd, rf, dir, p[2];
	struct epoll_event out[8];
	uint64_t v = 1;

	ASSERT_OK(ep = epoll_create1(0));
	ASSERT_OK(efd = eventfd(0, EFD_NONBLOCK));
	ASSERT_OK(rf = open("/proc/self/exe", O_RDONLY));
	ASSERT_OK(dir = open("/", O_RDONLY | O_DIRECTORY));
	ASSERT_OK(pipe2(p, O_NONBLOCK));

	/* A bad event pointer is checked first, for ADD and MOD. */
	CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, 999, (struct epoll_event *)8), -1, EFAULT);
	CHECK_ERRNO(epoll_ctl(999, EPOLL_CTL_MOD, efd, (struct epoll_event *)8), -1, EFAULT);
	/* DEL ignores the pointer. */
	CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_DEL, efd, (struct epoll_event *)8), -1, ENOENT);
	/* EBADF (for either fd) before EINVAL. */
	CHECK_ERRNO(ctl(p[0], EPOLL_CTL_ADD, 999, EPOLLIN, 0), -1, EBADF);
	CHECK_ERRNO(ctl(999, EPOLL_CTL_ADD, ep, EPOLLIN, 0), -1, EBADF);
	/* EPERM for a target that cannot be polled, before EINVAL for an
	 * epfd that is no epoll instance. */
	CHECK_ERRNO(ctl(ep, EPOLL_CTL_ADD, rf, EPOLLIN, 0), -1, EPERM);
	CHECK_ERRNO(ctl(ep, EPOLL_CTL_ADD, dir, EPOLLIN, 0), -1, EPERM);
	CHECK_ERRNO(ctl(p[0], EPOLL_CTL_ADD, rf, EPOLLIN, 0), -1, EPERM);
	CHECK_ERRNO(ctl(ep, EPOLL_CTL_MOD, rf, EPOLLIN, 0), -1, EPERM);
	CHECK_ERRNO(ctl(ep, EPOLL_CTL_DEL, rf, EPOLLIN, 0), -1, EPERM);
	/* Not an epoll instance, or the instance itself: EINVAL. */
	CHECK_ERRNO(ctl(p[0], EPOLL_CTL_ADD, efd, EPOLLIN, 0), -1, EINVAL);
	CHECK_ERRNO(ctl(ep, EPOLL_CTL_ADD, ep, EPOLLIN, 0), -1, EINVAL);
	CHECK_ERRNO(ctl(ep, EPOLL_CTL_DEL, ep, EPOLLIN, 0), -1, EINVAL);
	/* A bad op: EINVAL, after the fds are checked. */
	CHECK_ERRNO(ctl(ep, 0, efd, EPOLLIN, 0), -1, EINVAL);
	CHECK_ERRNO(ctl(ep, 4, efd, EPOLLIN, 0), -1, EINVAL);
	CHECK_ERRNO(ctl(ep, 4, 999, EPOLLIN, 0), -1, EBADF);
	/* An empty event mask is allowed: only EPOLLERR and EPOLLHUP. */
	CHECK_EQ(ctl(ep, EPOLL_CTL_ADD, p[1], 0, 0x77), 0);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 0);
	close(p[0]);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 1);
	CHECK_EQ(out[0].events, EPOLLERR);
	CHECK_EQ(out[0].data.u64, 0x77);
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL), 0);
	close(p[1]);

	/* A dup of a registered fd is a separate interest. */
	int d;
	ASSERT_OK(d = dup(efd));
	CHECK_EQ(ctl(ep, EPOLL_CTL_ADD, efd, EPOLLIN, 1), 0);
	CHECK_EQ(ctl(ep, EPOLL_CTL_ADD, d, EPOLLIN, 2), 0);
	CHECK_EQ(write(efd, &v, 8), 8);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 2);
	CHECK_EQ(out[0].data.u64 + out[1].data.u64, 3);
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_DEL, d, NULL), 0);
	/* Closing efd while d keeps the description open: the interest
	 * registered under efd's number is still reported... */
	int efd_num = efd;
	close(efd);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 1);
	CHECK_EQ(out[0].data.u64, 1);
	/* ...but can no longer be named: the number is closed (EBADF), and
	 * d is another key (ENOENT). */
	CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_DEL, efd_num, NULL), -1, EBADF);
	CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_DEL, d, NULL), -1, ENOENT);
	/* A new file at the old number is a different key: ADD works. */
	int again;
	ASSERT_OK(again = eventfd(0, EFD_NONBLOCK));
	CHECK_EQ(again, efd_num);
	CHECK_EQ(ctl(ep, EPOLL_CTL_ADD, again, EPOLLIN, 3), 0);
	CHECK_EQ(write(again, &v, 8), 8);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 2);
	CHECK_EQ(out[0].data.u64 + out[1].data.u64, 4);
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_DEL, again, NULL), 0);
	/* Closing the last fd of the old description removes its interest. */
	close(d);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 0);
	close(again);

	/* The description shared through fork: the child's close does not
	 * remove the interest; the last close anywhere does. */
	ASSERT_OK(efd = eventfd(1, EFD_NONBLOCK));
	CHECK_EQ(ctl(ep, EPOLL_CTL_ADD, efd, EPOLLIN, 5), 0);
	pid_t pid = test_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		close(efd);
		/* The child's copy of ep still watches the description. */
		CHECK_EQ(epoll_wait(ep, out, 8, 0), 1);
		child_exit();
	}
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 1);
	CHECK_EQ(out[0].data.u64, 5);
	close(efd);
	CHECK_EQ(epoll_wait(ep, out, 8, 0), 0);

	close(rf);
	close(dir);
	close(ep);
	return test_done();
}
