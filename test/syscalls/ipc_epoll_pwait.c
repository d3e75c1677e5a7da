//go:build ignore

/*
 * epoll_pwait and epoll_pwait2 (epoll_wait(2)): the signal mask is swapped
 * in atomically for the wait (a pending signal it unblocks interrupts at
 * once with EINTR and its handler runs; one it blocks does not interrupt)
 * and the old mask is back afterwards; epoll_wait is never restarted, even
 * with SA_RESTART; epoll_pwait2 takes a timespec (NULL: forever).
 */
#include "testutil.h"
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

static volatile sig_atomic_t usr1, usr2;
static void on_usr1(int sig) { (void)sig; usr1++; }
static void on_usr2(int sig) { (void)sig; usr2++; }

static void handle(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	if (sigaction(sig, &sa, NULL))
		FATAL("sigaction: errno %d", errno);
}

static int blocked(int sig)
{
	sigset_t cur;
	sigprocmask(SIG_SETMASK, NULL, &cur);
	return sigismember(&cur, sig);
}

static long pwait2(int ep, struct epoll_event *ev, int n, const struct timespec *ts,
		   const sigset_t *mask)
{
	return RAW(SYS_epoll_pwait2, ep, ev, n, ts, mask, 8);
}

int main(void)
{
	int ep, efd;
	struct epoll_event e, out[4];
	ASSERT_OK(ep = epoll_create1(0));
	ASSERT_OK(efd = eventfd(0, EFD_NONBLOCK));
	memset(&e, 0, sizeof(e));
	e.events = EPOLLIN;
	ASSERT_OK(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &e));
	handle(SIGUSR1, on_usr1, 0);
	handle(SIGUSR2, on_usr2, SA_RESTART);

	/* SIGUSR1 blocked and pending; a wait whose mask unblocks it is
	 * interrupted at once, the handler runs, and SIGUSR1 is blocked
	 * again afterwards. */
	sigset_t block1, empty;
	sigemptyset(&block1);
	sigaddset(&block1, SIGUSR1);
	sigemptyset(&empty);
	ASSERT_OK(sigprocmask(SIG_BLOCK, &block1, NULL));
	ASSERT_OK(kill(getpid(), SIGUSR1));
	CHECK_EQ(usr1, 0);
	long long t0 = now_ns();
	CHECK_ERRNO(epoll_pwait(ep, out, 4, 5000, &empty), -1, EINTR);
	CHECK_LT(now_ns() - t0, 2000 * 1000000LL);
	CHECK_EQ(usr1, 1);
	CHECK_EQ(blocked(SIGUSR1), 1);
	/* The same with epoll_pwait2 and no timeout. */
	ASSERT_OK(kill(getpid(), SIGUSR1));
	CHECK_ERRNO(pwait2(ep, out, 4, NULL, &empty), -1, EINTR);
	CHECK_EQ(usr1, 2);
	CHECK_EQ(blocked(SIGUSR1), 1);
	/* A mask that keeps it blocked: no interruption, a timeout. */
	ASSERT_OK(kill(getpid(), SIGUSR1));
	CHECK_EQ(epoll_pwait(ep, out, 4, 20, &block1), 0);
	CHECK_EQ(usr1, 2);
	/* A NULL mask leaves the current one. */
	CHECK_EQ(epoll_pwait(ep, out, 4, 0, NULL), 0);
	CHECK_EQ(usr1, 2);
	ASSERT_OK(sigprocmask(SIG_UNBLOCK, &block1, NULL));
	CHECK_EQ(usr1, 3);

	/* A wait that blocks a signal the thread does not: the signal that
	 * comes during the wait is handled only after it, which times out. */
	sigset_t block2;
	sigemptyset(&block2);
	sigaddset(&block2, SIGUSR2);
	pid_t pid = test_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct timespec ts = {0, 20 * 1000000L};
		nanosleep(&ts, NULL);
		kill(getppid(), SIGUSR2);
		child_exit();
	}
	t0 = now_ns();
	CHECK_EQ(epoll_pwait(ep, out, 4, 150, &block2), 0);
	CHECK_GE(now_ns() - t0, 140 * 1000000LL);
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_EQ(usr2, 1);
	CHECK_EQ(blocked(SIGUSR2), 0);

	/* epoll_wait is not restarted after a SA_RESTART handler. (The
	 * child signals every 20 ms, so a wait that starts late still gets
	 * one.) */
	pid = test_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		pid_t parent = getppid();
		for (;;) {
			usleep(20 * 1000);
			kill(parent, SIGUSR2);
		}
	}
	CHECK_ERRNO(epoll_wait(ep, out, 4, 5000), -1, EINTR);
	CHECK_GE(usr2, 2);
	kill(pid, SIGKILL);
	CHECK_EQ(waitpid(pid, &st, 0), pid);

	/* epoll_pwait2's timespec: a zero timeout polls, a short one waits,
	 * a bad one is EINVAL; ready events come back at once. */
	struct timespec zero = {0, 0}, short_ts = {0, 30 * 1000000L}, bad = {0, 1000000000L};
	CHECK_EQ(pwait2(ep, out, 4, &zero, NULL), 0);
	t0 = now_ns();
	CHECK_EQ(pwait2(ep, out, 4, &short_ts, NULL), 0);
	CHECK_GE(now_ns() - t0, 25 * 1000000LL);
	CHECK_ERRNO(pwait2(ep, out, 4, &bad, NULL), -1, EINVAL);
	bad.tv_sec = -1;
	bad.tv_nsec = 0;
	CHECK_ERRNO(pwait2(ep, out, 4, &bad, NULL), -1, EINVAL);
	uint64_t v = 1;
	CHECK_EQ(write(efd, &v, 8), 8);
	CHECK_EQ(pwait2(ep, out, 4, NULL, &empty), 1);
	CHECK_EQ(out[0].events, EPOLLIN);
	/* A wrong sigset size: EINVAL. */
	CHECK_ERRNO(RAW(SYS_epoll_pwait2, ep, out, 4, &zero, &empty, 16), -1, EINVAL);
	close(efd);
	close(ep);
	return test_done();
}
