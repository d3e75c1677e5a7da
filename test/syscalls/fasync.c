//go:build ignore
/*
 * Signal-driven I/O: fcntl F_SETOWN/F_GETOWN, F_SETOWN_EX/F_GETOWN_EX,
 * F_SETSIG/F_GETSIG, O_ASYNC through F_SETFL and ioctl FIOASYNC, and
 * FIOSETOWN/SIOCGPGRP on sockets. With O_ASYNC on, data arriving on a pipe
 * or socket sends SIGIO (si_code SI_KERNEL) to the owner, or the F_SETSIG
 * signal with POLL_IN/POLL_OUT, the band and the fd in its siginfo.
 * (nginx's master sets FIOASYNC and F_SETOWN on its worker channels and
 * gives up on its workers when either fails.)
 */
#include "testutil.h"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

#define SIGRT (SIGRTMIN + 1)

/* wait_sig waits up to ms for sig and returns it (or -1 with errno). */
static int wait_sig(int sig, int ms, siginfo_t *si)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	memset(si, 0, sizeof(*si));
	return sigtimedwait(&s, si, &ts);
}

static void block_sigs(void)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGIO);
	sigaddset(&s, SIGRT);
	ASSERT_OK(sigprocmask(SIG_BLOCK, &s, NULL));
}

static void owner_calls(void)
{
	int p[2];
	ASSERT_OK(pipe(p));
	struct f_owner_ex ex = {99, 99};

	/* A new file has no owner: F_OWNER_TID 0 (Linux's zeroed owner). */
	CHECK_EQ(RAW(SYS_fcntl, p[0], F_GETOWN), 0);
	CHECK_EQ(fcntl(p[0], F_GETOWN_EX, &ex), 0);
	CHECK_EQ(ex.type, F_OWNER_TID);
	CHECK_EQ(ex.pid, 0);
	CHECK_EQ(fcntl(p[0], F_GETSIG), 0);

	CHECK_EQ(fcntl(p[0], F_SETOWN, getpid()), 0);
	CHECK_EQ(RAW(SYS_fcntl, p[0], F_GETOWN), getpid());
	CHECK_EQ(fcntl(p[0], F_GETOWN_EX, &ex), 0);
	CHECK_EQ(ex.type, F_OWNER_PID);
	CHECK_EQ(ex.pid, getpid());
	/* The owner is the description's: another fd of it sees it. */
	int d = dup(p[0]);
	CHECK_EQ(RAW(SYS_fcntl, d, F_GETOWN), getpid());
	close(d);

	ex.type = F_OWNER_PGRP;
	ex.pid = getpgrp();
	CHECK_EQ(fcntl(p[0], F_SETOWN_EX, &ex), 0);
	memset(&ex, 0, sizeof(ex));
	CHECK_EQ(fcntl(p[0], F_GETOWN_EX, &ex), 0);
	CHECK_EQ(ex.type, F_OWNER_PGRP);
	CHECK_EQ(ex.pid, getpgrp());

	ex.type = F_OWNER_TID;
	ex.pid = gettid();
	CHECK_EQ(fcntl(p[0], F_SETOWN_EX, &ex), 0);
	memset(&ex, 0, sizeof(ex));
	CHECK_EQ(fcntl(p[0], F_GETOWN_EX, &ex), 0);
	CHECK_EQ(ex.type, F_OWNER_TID);
	CHECK_EQ(ex.pid, gettid());
	CHECK_EQ(RAW(SYS_fcntl, p[0], F_GETOWN), gettid());

	/* Owner 0 clears it. */
	CHECK_EQ(fcntl(p[0], F_SETOWN, 0), 0);
	CHECK_EQ(RAW(SYS_fcntl, p[0], F_GETOWN), 0);
	CHECK_EQ(fcntl(p[0], F_GETOWN_EX, &ex), 0);
	CHECK_EQ(ex.type, F_OWNER_PID);
	CHECK_EQ(ex.pid, 0);

	/* Errors: no such process (above any pid_max), INT_MIN, bad type,
	 * bad signal. */
	CHECK_ERRNO(fcntl(p[0], F_SETOWN, 0x3fffffff), -1, ESRCH);
	CHECK_ERRNO(fcntl(p[0], F_SETOWN, -0x3fffffff), -1, ESRCH);
	CHECK_ERRNO(RAW(SYS_fcntl, p[0], F_SETOWN, (long)INT32_MIN), -1, EINVAL);
	ex.type = 3;
	ex.pid = getpid();
	CHECK_ERRNO(fcntl(p[0], F_SETOWN_EX, &ex), -1, EINVAL);
	ex.type = F_OWNER_PID;
	ex.pid = 0x3fffffff;
	CHECK_ERRNO(fcntl(p[0], F_SETOWN_EX, &ex), -1, ESRCH);
	CHECK_ERRNO(fcntl(p[0], F_SETOWN_EX, (void *)8), -1, EFAULT);
	CHECK_ERRNO(fcntl(p[0], F_SETSIG, 65), -1, EINVAL);
	CHECK_ERRNO(fcntl(p[0], F_SETSIG, -1), -1, EINVAL);
	CHECK_EQ(fcntl(p[0], F_SETSIG, SIGRT), 0);
	CHECK_EQ(fcntl(p[0], F_GETSIG), SIGRT);
	CHECK_EQ(fcntl(p[0], F_SETSIG, 0), 0);
	CHECK_EQ(fcntl(p[0], F_GETSIG), 0);
	/* Any file has an owner. */
	int fd = open("/proc/self/exe", O_RDONLY);
	ASSERT_GE(fd, 0);
	CHECK_EQ(fcntl(fd, F_SETOWN, getpid()), 0);
	CHECK_EQ(RAW(SYS_fcntl, fd, F_GETOWN), getpid());
	close(fd);
	close(p[0]);
	close(p[1]);
}

static void pipe_signals(void)
{
	int p[2];
	siginfo_t si;
	ASSERT_OK(pipe(p));
	CHECK_EQ(fcntl(p[0], F_SETOWN, getpid()), 0);

	/* Without O_ASYNC, nothing is sent. */
	CHECK_EQ(write(p[1], "a", 1), 1);
	CHECK_ERRNO(wait_sig(SIGIO, 100, &si), -1, EAGAIN);

	CHECK_EQ(fcntl(p[0], F_SETFL, O_ASYNC), 0);
	CHECK_EQ(fcntl(p[0], F_GETFL) & O_ASYNC, O_ASYNC);
	CHECK_EQ(write(p[1], "b", 1), 1);
	CHECK_EQ(wait_sig(SIGIO, 5000, &si), SIGIO);
	CHECK_EQ(si.si_code, SI_KERNEL);

	/* F_SETSIG: the signal carries the reason, band and fd. */
	CHECK_EQ(fcntl(p[0], F_SETSIG, SIGRT), 0);
	CHECK_EQ(write(p[1], "c", 1), 1);
	CHECK_EQ(wait_sig(SIGRT, 5000, &si), SIGRT);
	CHECK_EQ(si.si_code, POLL_IN);
	CHECK_EQ(si.si_fd, p[0]);
	CHECK_EQ(si.si_band, POLLIN | POLLRDNORM);
	CHECK_ERRNO(wait_sig(SIGIO, 50, &si), -1, EAGAIN);

	/* F_SETSIG with SIGIO itself also fills the siginfo. */
	CHECK_EQ(fcntl(p[0], F_SETSIG, SIGIO), 0);
	CHECK_EQ(write(p[1], "d", 1), 1);
	CHECK_EQ(wait_sig(SIGIO, 5000, &si), SIGIO);
	CHECK_EQ(si.si_code, POLL_IN);
	CHECK_EQ(si.si_fd, p[0]);

	/* O_ASYNC off: nothing more. */
	CHECK_EQ(fcntl(p[0], F_SETFL, 0), 0);
	CHECK_EQ(fcntl(p[0], F_GETFL) & O_ASYNC, 0);
	CHECK_EQ(write(p[1], "e", 1), 1);
	CHECK_ERRNO(wait_sig(SIGIO, 100, &si), -1, EAGAIN);

	/* The write end: POLL_OUT when a read makes room in a full pipe. */
	char buf[65536];
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 5);
	CHECK_EQ(fcntl(p[1], F_SETFL, O_NONBLOCK), 0);
	memset(buf, 'x', sizeof(buf));
	long total = 0;
	for (;;) {
		ssize_t n = write(p[1], buf, sizeof(buf));
		if (n < 0) {
			CHECK_EQ(errno, EAGAIN);
			break;
		}
		total += n;
	}
	CHECK_GT(total, 0);
	CHECK_EQ(fcntl(p[1], F_SETOWN, getpid()), 0);
	CHECK_EQ(fcntl(p[1], F_SETSIG, SIGRT), 0);
	CHECK_EQ(fcntl(p[1], F_SETFL, O_NONBLOCK | O_ASYNC), 0);
	while (total > 0) {
		ssize_t n = read(p[0], buf, sizeof(buf));
		ASSERT_GT(n, 0);
		total -= n;
	}
	CHECK_EQ(wait_sig(SIGRT, 5000, &si), SIGRT);
	CHECK_EQ(si.si_code, POLL_OUT);
	CHECK_EQ(si.si_fd, p[1]);
	CHECK_EQ(si.si_band, POLLOUT | POLLWRNORM | POLLWRBAND);
	/* Drain any further POLL_OUTs of the reads. */
	while (wait_sig(SIGRT, 50, &si) == SIGRT)
		;
	/* The writer first: closing the reader would signal it. */
	close(p[1]);
	close(p[0]);
}

static void socket_signals(void)
{
	int s[2];
	siginfo_t si;
	ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, s));
	int on = 1, off = 0, got = 0;

	/* FIOASYNC turns O_ASYNC on and off; the socket ioctls set the owner. */
	CHECK_EQ(ioctl(s[0], FIOASYNC, &on), 0);
	CHECK_EQ(fcntl(s[0], F_GETFL) & O_ASYNC, O_ASYNC);
	int pid = getpid();
	CHECK_EQ(ioctl(s[0], FIOSETOWN, &pid), 0);
	CHECK_EQ(ioctl(s[0], SIOCGPGRP, &got), 0);
	CHECK_EQ(got, getpid());
	CHECK_EQ(RAW(SYS_fcntl, s[0], F_GETOWN), getpid());
	CHECK_ERRNO(ioctl(s[0], FIOASYNC, NULL), -1, EFAULT);

	CHECK_EQ(write(s[1], "x", 1), 1);
	CHECK_EQ(wait_sig(SIGIO, 5000, &si), SIGIO);
	CHECK_EQ(si.si_code, SI_KERNEL);

	CHECK_EQ(fcntl(s[0], F_SETSIG, SIGRT), 0);
	CHECK_EQ(write(s[1], "y", 1), 1);
	CHECK_EQ(wait_sig(SIGRT, 5000, &si), SIGRT);
	CHECK_EQ(si.si_code, POLL_IN);
	CHECK_EQ(si.si_fd, s[0]);

	CHECK_EQ(ioctl(s[0], FIOASYNC, &off), 0);
	CHECK_EQ(fcntl(s[0], F_GETFL) & O_ASYNC, 0);
	CHECK_EQ(write(s[1], "z", 1), 1);
	CHECK_ERRNO(wait_sig(SIGRT, 100, &si), -1, EAGAIN);
	CHECK_ERRNO(wait_sig(SIGIO, 10, &si), -1, EAGAIN);
	char buf[65536];
	CHECK_EQ(read(s[0], buf, sizeof(buf)), 3);

	/* The writing side: the peer's reads send POLL_OUT only once a
	 * send has found the socket full. */
	CHECK_EQ(fcntl(s[1], F_SETOWN, getpid()), 0);
	CHECK_EQ(fcntl(s[1], F_SETSIG, SIGRT), 0);
	CHECK_EQ(fcntl(s[1], F_SETFL, O_ASYNC | O_NONBLOCK), 0);
	CHECK_EQ(write(s[1], "w", 1), 1);
	CHECK_EQ(read(s[0], buf, sizeof(buf)), 1);
	CHECK_ERRNO(wait_sig(SIGRT, 100, &si), -1, EAGAIN);
	memset(buf, 'x', sizeof(buf));
	long total = 0;
	for (;;) {
		ssize_t n = write(s[1], buf, sizeof(buf));
		if (n < 0) {
			CHECK_EQ(errno, EAGAIN);
			break;
		}
		total += n;
	}
	CHECK_GT(total, 0);
	CHECK_ERRNO(wait_sig(SIGRT, 50, &si), -1, EAGAIN);
	while (total > 0) {
		ssize_t n = read(s[0], buf, sizeof(buf));
		ASSERT_GT(n, 0);
		total -= n;
	}
	CHECK_EQ(wait_sig(SIGRT, 5000, &si), SIGRT);
	CHECK_EQ(si.si_code, POLL_OUT);
	CHECK_EQ(si.si_fd, s[1]);
	while (wait_sig(SIGRT, 50, &si) == SIGRT)
		;
	CHECK_EQ(fcntl(s[1], F_SETFL, 0), 0);
	close(s[0]);
	close(s[1]);
}

/* Files without signal-driven I/O refuse FIOASYNC, and F_SETFL leaves
 * their O_ASYNC off (Linux's fasync sets the flag, and they have none). */
static void unsupported_files(void)
{
	int on = 1, off = 0;
	int fd = open("/proc/self/exe", O_RDONLY);
	ASSERT_GE(fd, 0);
	CHECK_ERRNO(ioctl(fd, FIOASYNC, &on), -1, ENOTTY);
	CHECK_EQ(fcntl(fd, F_GETFL) & O_ASYNC, 0);
	/* No change, no error. */
	CHECK_EQ(ioctl(fd, FIOASYNC, &off), 0);
	CHECK_EQ(fcntl(fd, F_SETFL, O_ASYNC | O_NONBLOCK), 0);
	CHECK_EQ(fcntl(fd, F_GETFL) & (O_ASYNC | O_NONBLOCK), O_NONBLOCK);
	close(fd);

	int e = eventfd(0, 0);
	ASSERT_GE(e, 0);
	CHECK_ERRNO(ioctl(e, FIOASYNC, &on), -1, ENOTTY);
	close(e);
}

/* A process group owner: a child alone in its own group gets it. */
static void group_owner(void)
{
	int p[2];
	ASSERT_OK(pipe(p));
	pid_t c = test_fork();
	if (c == 0) {
		siginfo_t si;
		CHECK_EQ(setpgid(0, 0), 0);
		CHECK_EQ(fcntl(p[0], F_SETOWN, -getpid()), 0);
		struct f_owner_ex ex;
		CHECK_EQ(fcntl(p[0], F_GETOWN_EX, &ex), 0);
		CHECK_EQ(ex.type, F_OWNER_PGRP);
		CHECK_EQ(ex.pid, getpid());
		CHECK_EQ(fcntl(p[0], F_SETFL, O_ASYNC), 0);
		CHECK_EQ(write(p[1], "g", 1), 1);
		CHECK_EQ(wait_sig(SIGIO, 5000, &si), SIGIO);
		child_exit();
	}
	int st;
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK_CHILD_OK(st);
	close(p[0]);
	close(p[1]);
}

static int tid_pipe[2];
static volatile int thread_got = -2;

static void *thread_main(void *arg)
{
	(void)arg;
	siginfo_t si;
	/* The signal is the main thread's: this thread cannot take it. */
	thread_got = wait_sig(SIGIO, 300, &si);
	return NULL;
}

/* F_OWNER_TID sends to that thread only. */
static void thread_owner(void)
{
	siginfo_t si;
	ASSERT_OK(pipe(tid_pipe));
	struct f_owner_ex ex = {F_OWNER_TID, gettid()};
	CHECK_EQ(fcntl(tid_pipe[0], F_SETOWN_EX, &ex), 0);
	CHECK_EQ(fcntl(tid_pipe[0], F_SETFL, O_ASYNC), 0);
	pthread_t th;
	ASSERT_EQ(pthread_create(&th, NULL, thread_main, NULL), 0);
	CHECK_EQ(write(tid_pipe[1], "t", 1), 1);
	pthread_join(th, NULL);
	CHECK_EQ(thread_got, -1);
	CHECK_EQ(wait_sig(SIGIO, 5000, &si), SIGIO);
	close(tid_pipe[0]);
	close(tid_pipe[1]);
}

int main(void)
{
	block_sigs();
	owner_calls();
	pipe_signals();
	socket_signals();
	unsupported_files();
	group_owner();
	thread_owner();
	return test_done();
}
