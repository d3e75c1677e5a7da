//go:build ignore

/*
 * pselect6 and ppoll signal masks (select(2), poll(2)): the mask is
 * installed atomically for the wait, so a pending signal it unblocks
 * interrupts at once (EINTR) and its handler runs with the wait's mask
 * before the old one returns; a NULL mask (or pselect6's NULL sigset
 * pointer) leaves the mask alone; a wrong sigset size is EINVAL; a handler
 * with SA_RESTART does not restart these calls, nor poll and select.
 */
#include "testutil.h"
#include <fcntl.h>
#include <poll.h>
#include <sys/select.h>

static volatile sig_atomic_t hits, usr2_blocked_in_handler;
static void on_usr1(int sig)
{
	(void)sig;
	hits++;
	sigset_t cur;
	sigprocmask(SIG_SETMASK, NULL, &cur);
	usr2_blocked_in_handler = sigismember(&cur, SIGUSR2);
}

static int blocked(int sig)
{
	sigset_t cur;
	sigprocmask(SIG_SETMASK, NULL, &cur);
	return sigismember(&cur, sig);
}

struct sigdata {
	const sigset_t *ss;
	size_t len;
};

static long pselect6(int n, fd_set *r, struct timespec *ts, const sigset_t *mask, size_t len)
{
	struct sigdata d = {mask, len};
	return RAW(SYS_pselect6, n, r, NULL, NULL, ts, &d);
}

static pid_t signal_later(int sig, int ms)
{
	pid_t pid = test_fork();
	if (pid == 0) {
		struct timespec ts = {0, ms * 1000000L};
		nanosleep(&ts, NULL);
		kill(getppid(), sig);
		child_exit();
	}
	return pid;
}

/* signal_repeat forks a child that sends sig to us every 20 ms until
 * stop_repeat: a wait that starts late still gets a signal. */
static pid_t signal_repeat(int sig)
{
	pid_t pid = test_fork();
	if (pid == 0) {
		pid_t parent = getppid();
		for (;;) {
			usleep(20 * 1000);
			kill(parent, sig);
		}
	}
	return pid;
}

static void stop_repeat(pid_t pid)
{
	int st;
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
	ASSERT_OK(sigaction(SIGUSR1, &sa, NULL));
	int p[2];
	ASSERT_OK(pipe(p));
	fd_set r;
	struct pollfd pf = {p[0], POLLIN, 0};

	sigset_t b1, only2;
	sigemptyset(&b1);
	sigaddset(&b1, SIGUSR1);
	sigemptyset(&only2);
	sigaddset(&only2, SIGUSR2);
	ASSERT_OK(sigprocmask(SIG_BLOCK, &b1, NULL));

	/* pselect6: pending SIGUSR1 unblocked by the wait's mask (which
	 * blocks SIGUSR2 instead): EINTR at once; the handler ran under
	 * the wait's mask; SIGUSR1 is blocked again, SIGUSR2 not. */
	ASSERT_OK(kill(getpid(), SIGUSR1));
	struct timespec ts = {5, 0};
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	long long t0 = now_ns();
	CHECK_ERRNO(pselect6(p[0] + 1, &r, &ts, &only2, 8), -1, EINTR);
	CHECK_LT(now_ns() - t0, 2000 * 1000000LL);
	CHECK_EQ(hits, 1);
	CHECK_EQ(usr2_blocked_in_handler, 1);
	CHECK_EQ(blocked(SIGUSR1), 1);
	CHECK_EQ(blocked(SIGUSR2), 0);

	/* ppoll: the same. */
	ASSERT_OK(kill(getpid(), SIGUSR1));
	ts = (struct timespec){5, 0};
	CHECK_ERRNO(ppoll(&pf, 1, &ts, &only2), -1, EINTR);
	CHECK_EQ(hits, 2);
	CHECK_EQ(usr2_blocked_in_handler, 1);
	CHECK_EQ(blocked(SIGUSR1), 1);

	/* A NULL mask, and pselect6's NULL sigset pointer: SIGUSR1 stays
	 * blocked, so the waits time out. */
	ASSERT_OK(kill(getpid(), SIGUSR1));
	ts = (struct timespec){0, 10 * 1000000L};
	CHECK_EQ(ppoll(&pf, 1, &ts, NULL), 0);
	ts = (struct timespec){0, 10 * 1000000L};
	FD_SET(p[0], &r);
	CHECK_EQ(pselect6(p[0] + 1, &r, &ts, NULL, 8), 0);
	ts = (struct timespec){0, 10 * 1000000L};
	FD_SET(p[0], &r);
	CHECK_EQ(RAW(SYS_pselect6, p[0] + 1, &r, NULL, NULL, &ts, NULL), 0);
	CHECK_EQ(hits, 2);
	/* A wrong sigset size: EINVAL (the signal stays pending). */
	ts = (struct timespec){0, 0};
	CHECK_ERRNO(pselect6(p[0] + 1, &r, &ts, &only2, 16), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_ppoll, &pf, 1, &ts, &only2, 4), -1, EINVAL);
	CHECK_EQ(hits, 2);
	ASSERT_OK(sigprocmask(SIG_UNBLOCK, &b1, NULL));
	CHECK_EQ(hits, 3);

	/* With SA_RESTART, none of these is restarted: EINTR. */
	int st;
	pid_t pid = signal_repeat(SIGUSR1);
	CHECK_ERRNO(poll(&pf, 1, 5000), -1, EINTR);
	FD_SET(p[0], &r);
	struct timeval tv = {5, 0};
	CHECK_ERRNO(select(p[0] + 1, &r, NULL, NULL, &tv), -1, EINTR);
	ts = (struct timespec){5, 0};
	CHECK_ERRNO(ppoll(&pf, 1, &ts, NULL), -1, EINTR);
	stop_repeat(pid);
	CHECK_GE(hits, 6);
	int before = hits;

	/* A signal blocked by the wait's mask does not interrupt it, and
	 * is handled once the old mask is back. */
	pid = signal_later(SIGUSR1, 20);
	ts = (struct timespec){0, 120 * 1000000L};
	t0 = now_ns();
	CHECK_EQ(ppoll(&pf, 1, &ts, &b1), 0);
	CHECK_GE(now_ns() - t0, 110 * 1000000LL);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_EQ(hits, before + 1);
	close(p[0]);
	close(p[1]);
	return test_done();
}
