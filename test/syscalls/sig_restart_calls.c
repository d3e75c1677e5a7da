//go:build ignore

/*
 * Which interrupted calls SA_RESTART restarts (restart.c covers read):
 * wait4, accept, flock and a futex wait without timeout are restarted
 * with SA_RESTART and fail with EINTR without it; poll, select,
 * epoll_wait, nanosleep and sigtimedwait fail with EINTR either way. In
 * each case a 30ms timer interrupts the call and a helper completes it
 * at 300ms.
 */
#include "testutil.h"
#include <linux/futex.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <fcntl.h>

static volatile int alarms;
static void on_alrm(int sig) { (void)sig; alarms++; }

static void arm(int restart)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alrm;
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval itv = { { 0, 0 }, { 0, 30000 } };
	setitimer(ITIMER_REAL, &itv, NULL);
}

/* helper forks a process that sleeps 150ms, then runs fn(arg) and exits. */
static pid_t helper(void (*fn)(long), long arg)
{
	pid_t pid = fork();
	if (pid == 0) {
		usleep(300000);
		if (fn)
			fn(arg);
		_exit(0);
	}
	return pid;
}

static void do_write(long fd) { (void)!write((int)fd, "x", 1); }
static char sock_path[108];
static void do_connect(long unused)
{
	(void)unused;
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	strcpy(a.sun_path, sock_path);
	connect(s, (struct sockaddr *)&a, sizeof(a));
	usleep(50000);
}
static char lock_path[64];
static void noop(long unused) { (void)unused; }

static int *futex_word;
static void do_wake(long unused)
{
	(void)unused;
	__atomic_store_n(futex_word, 1, __ATOMIC_SEQ_CST);
	RAW(SYS_futex, futex_word, FUTEX_WAKE, 1, NULL, NULL, 0);
}

#include <sys/mman.h>

int main(void)
{
	int st;
	for (int restart = 0; restart <= 1; restart++) {

		/* wait4. */
		alarms = 0;
		pid_t h = helper(NULL, 0);
		arm(restart);
		long r = waitpid(h, &st, 0);
		CHECK_EQ(alarms, 1);
		if (restart) {
			CHECK_EQ(r, h);
		} else {
			CHECK_ERRNO(r, -1, EINTR);
			CHECK_EQ(waitpid(h, &st, 0), h);
		}

		/* accept. */
		snprintf(sock_path, sizeof(sock_path), "/tmp/sig_restart_%d_%d", getpid(), restart);
		int ls = socket(AF_UNIX, SOCK_STREAM, 0);
		struct sockaddr_un a = { .sun_family = AF_UNIX };
		strcpy(a.sun_path, sock_path);
		unlink(sock_path);
		ASSERT_OK(bind(ls, (struct sockaddr *)&a, sizeof(a)));
		ASSERT_OK(listen(ls, 1));
		alarms = 0;
		h = helper(do_connect, 0);
		arm(restart);
		int c = accept(ls, NULL, NULL);
		CHECK_EQ(alarms, 1);
		if (restart) {
			CHECK_GE(c, 0);
			close(c);
		} else {
			CHECK_ERRNO(c, -1, EINTR);
		}
		CHECK_EQ(waitpid(h, &st, 0), h);
		close(ls);
		unlink(sock_path);

		/* flock, held by the helper's parent side: we take it in a child
		 * first, and the helper releases by exiting. */
		snprintf(lock_path, sizeof(lock_path), "/tmp/sig_restart_lock_%d", getpid());
		int lf = open(lock_path, O_RDWR | O_CREAT, 0600);
		ASSERT_OK(lf);
		int hp[2];
		ASSERT_OK(pipe(hp));
		h = fork();
		if (h == 0) {
			int f2 = open(lock_path, O_RDWR);
			flock(f2, LOCK_EX);
			(void)!write(hp[1], "l", 1);
			usleep(300000);
			_exit(0);
		}
		char ch;
		CHECK_EQ(read(hp[0], &ch, 1), 1);
		alarms = 0;
		arm(restart);
		r = flock(lf, LOCK_EX);
		CHECK_EQ(alarms, 1);
		if (restart)
			CHECK_EQ(r, 0);
		else
			CHECK_ERRNO(r, -1, EINTR);
		CHECK_EQ(waitpid(h, &st, 0), h);
		close(lf);
		close(hp[0]);
		close(hp[1]);
		unlink(lock_path);

		/* futex wait without a timeout, on shared memory. */
		futex_word = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(futex_word, MAP_FAILED);
		*futex_word = 0;
		alarms = 0;
		h = helper(do_wake, 0);
		arm(restart);
		r = RAW(SYS_futex, futex_word, FUTEX_WAIT, 0, NULL, NULL, 0);
		CHECK_EQ(alarms, 1);
		if (restart)
			CHECK(r == 0 || (r == -1 && errno == EAGAIN));
		else
			CHECK_ERRNO(r, -1, EINTR);
		CHECK_EQ(waitpid(h, &st, 0), h);
		munmap(futex_word, 4096);

		/* Never restarted: poll, select, epoll_wait, nanosleep,
		 * sigtimedwait. */
		int p[2];
		ASSERT_OK(pipe(p));
		struct pollfd pf = { p[0], POLLIN, 0 };
		alarms = 0;
		h = helper(do_write, p[1]);
		arm(restart);
		CHECK_ERRNO(poll(&pf, 1, 5000), -1, EINTR);
		CHECK_EQ(waitpid(h, &st, 0), h);
		char b;
		CHECK_EQ(read(p[0], &b, 1), 1);

		fd_set rs;
		FD_ZERO(&rs);
		FD_SET(p[0], &rs);
		struct timeval tv = { 5, 0 };
		h = helper(do_write, p[1]);
		arm(restart);
		CHECK_ERRNO(select(p[0] + 1, &rs, NULL, NULL, &tv), -1, EINTR);
		CHECK_EQ(waitpid(h, &st, 0), h);
		CHECK_EQ(read(p[0], &b, 1), 1);

		int ep = epoll_create1(0);
		struct epoll_event ev = { .events = EPOLLIN };
		CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
		h = helper(do_write, p[1]);
		arm(restart);
		CHECK_ERRNO(epoll_wait(ep, &ev, 1, 5000), -1, EINTR);
		CHECK_EQ(waitpid(h, &st, 0), h);
		CHECK_EQ(read(p[0], &b, 1), 1);
		close(ep);

		h = helper(noop, 0);
		arm(restart);
		struct timespec ts = { 5, 0 };
		CHECK_ERRNO(nanosleep(&ts, NULL), -1, EINTR);
		CHECK_EQ(waitpid(h, &st, 0), h);

		sigset_t w;
		sigemptyset(&w);
		sigaddset(&w, SIGUSR2);
		sigprocmask(SIG_BLOCK, &w, NULL);
		arm(restart);
		CHECK_ERRNO(sigtimedwait(&w, NULL, &ts), -1, EINTR);
		sigprocmask(SIG_UNBLOCK, &w, NULL);
		CHECK_EQ(alarms, 5);
		close(p[0]);
		close(p[1]);
	}
	return test_done();
}
