//go:build ignore

/*
 * signalfd and threads (signalfd(2)): a read takes the reading thread's
 * own pending signals and the process's, never another thread's
 * thread-directed ones; poll answers for the polling thread the same
 * way; a blocked reader thread is woken by a process-directed signal; a
 * signal taken through the fd is no longer pending for sigpending.
 */
#include "testutil.h"
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/signalfd.h>

static int sfd;
static pid_t worker_tid;
static volatile int phase;

static short revents(int fd)
{
	struct pollfd p = {fd, POLLIN, 0};
	if (poll(&p, 1, 0) < 0)
		return -1;
	return p.revents;
}

static void wait_phase(int want)
{
	while (__atomic_load_n(&phase, __ATOMIC_SEQ_CST) < want)
		usleep(1000);
}

static void *worker(void *arg)
{
	(void)arg;
	struct signalfd_siginfo si;
	worker_tid = (pid_t)RAW(SYS_gettid);
	__atomic_store_n(&phase, 1, __ATOMIC_SEQ_CST);
	wait_phase(2);
	/* The main thread sent SIGUSR1 to us: ours to read. */
	CHECK_EQ(revents(sfd), POLLIN);
	CHECK_EQ(read(sfd, &si, sizeof(si)), (ssize_t)sizeof(si));
	CHECK_EQ(si.ssi_signo, SIGUSR1);
	CHECK_EQ(si.ssi_code, SI_TKILL);
	CHECK_EQ(revents(sfd), 0);
	__atomic_store_n(&phase, 3, __ATOMIC_SEQ_CST);
	wait_phase(4);
	/* SIGUSR2 was sent to the main thread: not ours. */
	CHECK_EQ(revents(sfd), 0);
	CHECK_ERRNO(read(sfd, &si, sizeof(si)), -1, EAGAIN);
	__atomic_store_n(&phase, 5, __ATOMIC_SEQ_CST);
	/* Block in read until a process-directed signal comes. */
	CHECK_OK(fcntl(sfd, F_SETFL, 0));
	CHECK_EQ(read(sfd, &si, sizeof(si)), (ssize_t)sizeof(si));
	CHECK_EQ(si.ssi_signo, SIGUSR1);
	CHECK_EQ(si.ssi_code, SI_USER);
	return NULL;
}

int main(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	ASSERT_OK(sigprocmask(SIG_BLOCK, &set, NULL));
	ASSERT_OK(sfd = signalfd(-1, &set, SFD_NONBLOCK));
	pthread_t th;
	ASSERT_EQ(pthread_create(&th, NULL, worker, NULL), 0);
	wait_phase(1);

	/* SIGUSR1 to the worker thread: the main thread cannot see it. */
	ASSERT_OK(RAW(SYS_tgkill, getpid(), worker_tid, SIGUSR1));
	struct signalfd_siginfo si;
	CHECK_EQ(revents(sfd), 0);
	CHECK_ERRNO(read(sfd, &si, sizeof(si)), -1, EAGAIN);
	__atomic_store_n(&phase, 2, __ATOMIC_SEQ_CST);
	wait_phase(3);

	/* SIGUSR2 to ourselves: ours. */
	ASSERT_OK(RAW(SYS_tgkill, getpid(), RAW(SYS_gettid), SIGUSR2));
	CHECK_EQ(revents(sfd), POLLIN);
	sigset_t pend;
	CHECK_OK(sigpending(&pend));
	CHECK_EQ(sigismember(&pend, SIGUSR2), 1);
	__atomic_store_n(&phase, 4, __ATOMIC_SEQ_CST);
	wait_phase(5);
	CHECK_EQ(read(sfd, &si, sizeof(si)), (ssize_t)sizeof(si));
	CHECK_EQ(si.ssi_signo, SIGUSR2);
	CHECK_EQ(si.ssi_code, SI_TKILL);
	/* Taken: no longer pending. */
	CHECK_OK(sigpending(&pend));
	CHECK_EQ(sigismember(&pend, SIGUSR2), 0);

	/* A process-directed SIGUSR1 wakes the worker's blocking read (it
	 * may be taken by either thread; we do not read). */
	usleep(30 * 1000);
	ASSERT_OK(kill(getpid(), SIGUSR1));
	void *ret;
	CHECK_EQ(pthread_join(th, &ret), 0);
	CHECK_OK(sigpending(&pend));
	CHECK_EQ(sigismember(&pend, SIGUSR1), 0);
	close(sfd);
	return test_done();
}
