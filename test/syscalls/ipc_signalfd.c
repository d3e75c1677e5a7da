//go:build ignore

/*
 * signalfd (signalfd(2)) beyond the basics: changing the mask of an
 * existing signalfd (and waking a poller that the new mask makes ready),
 * several siginfos in one read, only the mask's signals taken, queued
 * real-time signals in order, SIGKILL/SIGSTOP silently left out, readiness
 * through poll and epoll, a child reading and polling its own signals
 * through an inherited signalfd, ssi_pid of the sender, and errors.
 */
#include "testutil.h"
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>

static short revents(int fd)
{
	struct pollfd p = {fd, POLLIN, 0};
	if (poll(&p, 1, 0) < 0)
		return -1;
	return p.revents;
}

static int sfd_global;
static void *set_mask_later(void *arg)
{
	(void)arg;
	usleep(50 * 1000);
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR2);
	return signalfd(sfd_global, &m, 0) == sfd_global ? NULL : (void *)1;
}

int main(void)
{
	sigset_t all, m1, m2;
	sigemptyset(&all);
	sigaddset(&all, SIGUSR1);
	sigaddset(&all, SIGUSR2);
	sigaddset(&all, SIGRTMIN);
	ASSERT_OK(sigprocmask(SIG_BLOCK, &all, NULL));
	sigemptyset(&m1);
	sigaddset(&m1, SIGUSR1);
	sigaddset(&m1, SIGKILL); /* ignored, no error */
	sigaddset(&m1, SIGSTOP);
	sigemptyset(&m2);
	sigaddset(&m2, SIGUSR2);

	int sfd;
	ASSERT_OK(sfd = signalfd(-1, &m1, SFD_NONBLOCK));
	CHECK_EQ(fcntl(sfd, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDWR | O_NONBLOCK);
	struct signalfd_siginfo si[3];

	/* Only the mask's signals are taken; others stay pending. */
	ASSERT_OK(kill(getpid(), SIGUSR2));
	CHECK_EQ(revents(sfd), 0);
	CHECK_ERRNO(read(sfd, si, sizeof(si)), -1, EAGAIN);
	/* The new mask takes effect on the same fd (flags are ignored). */
	CHECK_EQ(signalfd(sfd, &m2, SFD_CLOEXEC), sfd);
	CHECK_EQ(fcntl(sfd, F_GETFD), 0);
	CHECK_EQ(revents(sfd), POLLIN);
	CHECK_EQ(read(sfd, si, sizeof(si)), (ssize_t)sizeof(si[0]));
	CHECK_EQ(si[0].ssi_signo, SIGUSR2);
	CHECK_EQ(si[0].ssi_pid, (uint32_t)getpid());
	CHECK_EQ(revents(sfd), 0);

	/* Several records in one read; a buffer with room for one record
	 * and a half takes one. */
	sigset_t both;
	sigemptyset(&both);
	sigaddset(&both, SIGUSR1);
	sigaddset(&both, SIGUSR2);
	CHECK_EQ(signalfd(sfd, &both, 0), sfd);
	ASSERT_OK(kill(getpid(), SIGUSR1));
	ASSERT_OK(kill(getpid(), SIGUSR2));
	char odd[sizeof(si[0]) * 3 / 2];
	CHECK_EQ(read(sfd, odd, sizeof(odd)), (ssize_t)sizeof(si[0]));
	CHECK_EQ(read(sfd, si, sizeof(si)), (ssize_t)sizeof(si[0]));
	ASSERT_OK(kill(getpid(), SIGUSR1));
	ASSERT_OK(kill(getpid(), SIGUSR2));
	CHECK_EQ(read(sfd, si, sizeof(si)), (ssize_t)(2 * sizeof(si[0])));
	CHECK_EQ(si[0].ssi_signo + si[1].ssi_signo, SIGUSR1 + SIGUSR2);

	/* Real-time signals queue: each read gets the next, in order. */
	sigset_t rt;
	sigemptyset(&rt);
	sigaddset(&rt, SIGRTMIN);
	CHECK_EQ(signalfd(sfd, &rt, 0), sfd);
	for (int i = 0; i < 3; i++) {
		union sigval v = {.sival_int = 100 + i};
		ASSERT_OK(sigqueue(getpid(), SIGRTMIN, v));
	}
	CHECK_EQ(read(sfd, si, sizeof(si)), (ssize_t)(3 * sizeof(si[0])));
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(si[i].ssi_signo, (uint32_t)SIGRTMIN);
		CHECK_EQ(si[i].ssi_code, SI_QUEUE);
		CHECK_EQ(si[i].ssi_int, 100 + i);
	}

	/* epoll sees it. */
	int ep;
	ASSERT_OK(ep = epoll_create1(0));
	struct epoll_event e = {.events = EPOLLIN, .data.u32 = 7}, out[2];
	ASSERT_OK(epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &e));
	CHECK_EQ(epoll_wait(ep, out, 2, 0), 0);
	union sigval v = {.sival_int = 5};
	ASSERT_OK(sigqueue(getpid(), SIGRTMIN, v));
	CHECK_EQ(epoll_wait(ep, out, 2, 0), 1);
	CHECK_EQ(out[0].data.u32, 7);
	CHECK_EQ(read(sfd, si, sizeof(si)), (ssize_t)sizeof(si[0]));
	CHECK_EQ(epoll_wait(ep, out, 2, 0), 0);

	/* A poller woken by a mask change that makes a pending signal
	 * readable. */
	CHECK_EQ(signalfd(sfd, &m1, 0), sfd);
	ASSERT_OK(kill(getpid(), SIGUSR2));
	sfd_global = sfd;
	pthread_t th;
	ASSERT_EQ(pthread_create(&th, NULL, set_mask_later, NULL), 0);
	struct pollfd pf = {sfd, POLLIN, 0};
	CHECK_EQ(poll(&pf, 1, 3000), 1);
	void *ret;
	CHECK_EQ(pthread_join(th, &ret), 0);
	CHECK_EQ(ret, NULL);
	CHECK_EQ(read(sfd, si, sizeof(si)), (ssize_t)sizeof(si[0]));
	CHECK_EQ(si[0].ssi_signo, SIGUSR2);

	/* A child reads and polls its own signals through the inherited fd;
	 * the parent's pending signal is not the child's. */
	CHECK_EQ(signalfd(sfd, &both, 0), sfd);
	ASSERT_OK(kill(getpid(), SIGUSR1));
	int ready[2];
	ASSERT_OK(pipe(ready));
	pid_t pid = test_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct signalfd_siginfo c;
		CHECK_EQ(revents(sfd), 0);
		CHECK_ERRNO(read(sfd, &c, sizeof(c)), -1, EAGAIN);
		ASSERT_OK(kill(getpid(), SIGUSR2));
		CHECK_EQ(revents(sfd), POLLIN);
		CHECK_EQ(read(sfd, &c, sizeof(c)), (ssize_t)sizeof(c));
		CHECK_EQ(c.ssi_signo, SIGUSR2);
		CHECK_EQ(c.ssi_pid, (uint32_t)getpid());
		/* And one from the parent, sent once we are ready. */
		CHECK_OK(fcntl(sfd, F_SETFL, 0));
		CHECK_EQ(write(ready[1], "r", 1), 1);
		CHECK_EQ(read(sfd, &c, sizeof(c)), (ssize_t)sizeof(c));
		CHECK_EQ(c.ssi_signo, SIGUSR2);
		CHECK_EQ(c.ssi_pid, (uint32_t)getppid());
		child_exit();
	}
	CHECK_EQ(revents(sfd), POLLIN);
	char rc;
	CHECK_EQ(read(ready[0], &rc, 1), 1);
	close(ready[0]);
	close(ready[1]);
	ASSERT_OK(kill(pid, SIGUSR2));
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	CHECK_OK(fcntl(sfd, F_SETFL, O_NONBLOCK));
	CHECK_EQ(read(sfd, si, sizeof(si)), (ssize_t)sizeof(si[0]));
	CHECK_EQ(si[0].ssi_signo, SIGUSR1);

	/* Errors. */
	CHECK_ERRNO(RAW(SYS_signalfd4, -1, &m1, 4, 0), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_signalfd4, -1, &m1, 8, O_APPEND), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_signalfd4, ep, &m1, 8, 0), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_signalfd4, 999, &m1, 8, 0), -1, EBADF);
	CHECK_ERRNO(RAW(SYS_signalfd4, -1, 8L, 8, 0), -1, EFAULT);
	CHECK_ERRNO(write(sfd, si, sizeof(si[0])), -1, EINVAL);
	close(ep);
	close(sfd);
	return test_done();
}
