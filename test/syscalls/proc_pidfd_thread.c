//go:build ignore
/*
 * Thread pidfds (PIDFD_THREAD, Linux 6.9): pidfd_open of a thread that
 * does not lead its group, its fdinfo and inode, readiness (POLLIN and
 * POLLHUP together once the thread has exited, as it is released at
 * once), signals to the thread by default, ESRCH once it is gone, waitid
 * refusing it (no child); a thread pidfd of a child process's leader
 * waits for the process; clone(CLONE_PIDFD|CLONE_THREAD).
 */
#include "testutil.h"
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x1000
#endif
#define PIDFD_THREAD O_EXCL

static short poll_one(int fd, int timeout)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int n = poll(&p, 1, timeout);
	if (n < 0)
		return -1;
	return n == 0 ? 0 : p.revents;
}

/*
 * A joined thread has exited, but Linux releases it (POLLHUP) a moment
 * after it clears the tid futex that pthread_join waits on, so the first
 * readiness may be POLLIN alone. Poll until the hang-up shows, or 10 s.
 */
static short poll_until_hup(int fd)
{
	short r = 0;
	for (int i = 0; i < 10000; i++) {
		r = poll_one(fd, 10000);
		if (r <= 0 || (r & POLLHUP))
			break;
		usleep(1000);
	}
	return r;
}

static volatile pid_t thread_tid;
static volatile int got_usr1;
static int gate[2];

static void on_usr1(int sig)
{
	(void)sig;
	if (gettid() == thread_tid)
		got_usr1 = 1;
}

static void *thread_fn(void *arg)
{
	char c;
	(void)arg;
	thread_tid = gettid();
	/* Wait for SIGUSR1, then for the gate. */
	while (!got_usr1)
		usleep(1000);
	if (read(gate[0], &c, 1) != 1)
		return NULL;
	return NULL;
}

static int quick_thread(void *arg)
{
	(void)arg;
	return 0;
}

int main(void)
{
	siginfo_t si;
	int st;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	ASSERT_OK(sigaction(SIGUSR1, &sa, NULL));
	ASSERT_OK(pipe(gate));

	pthread_t th;
	ASSERT_EQ(pthread_create(&th, NULL, thread_fn, NULL), 0);
	while (thread_tid == 0)
		sched_yield();
	pid_t tid = thread_tid;
	int tfd = (int)RAW(SYS_pidfd_open, tid, PIDFD_THREAD);
	ASSERT_GE(tfd, 0);
	CHECK_EQ(fcntl(tfd, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fdinfo_pid(tfd), tid);
	int pfd = (int)RAW(SYS_pidfd_open, getpid(), 0);
	ASSERT_GE(pfd, 0);
	struct stat s1, s2;
	CHECK_OK(fstat(tfd, &s1));
	CHECK_OK(fstat(pfd, &s2));
	CHECK_NE(s1.st_ino, s2.st_ino);
	CHECK_EQ(poll_one(tfd, 0), 0);
	/* Not a child. */
	CHECK_ERRNO(waitid(P_PIDFD, (id_t)tfd, &si, WEXITED | WNOHANG), -1, ECHILD);
	/* The signal goes to the thread. */
	CHECK_OK(RAW(SYS_pidfd_send_signal, tfd, SIGUSR1, NULL, 0));
	CHECK_EQ(write(gate[1], "x", 1), 1);
	CHECK_EQ(pthread_join(th, NULL), 0);
	CHECK_EQ(got_usr1, 1);
	/* Gone once it has exited: readable, and hung up once released. */
	CHECK_EQ(poll_one(tfd, 10000) & POLLIN, POLLIN);
	CHECK_EQ(poll_until_hup(tfd), POLLIN | POLLHUP);
	CHECK_EQ(fdinfo_pid(tfd), -1);
	CHECK_ERRNO(RAW(SYS_pidfd_send_signal, tfd, 0, NULL, 0), -1, ESRCH);
	CHECK_ERRNO(RAW(SYS_pidfd_getfd, tfd, 0, 0), -1, ESRCH);
	CHECK_ERRNO(RAW(SYS_pidfd_open, tid, PIDFD_THREAD), -1, ESRCH);
	close(tfd);

	/* The leader's thread pidfd: a living thread. */
	int lfd = (int)RAW(SYS_pidfd_open, getpid(), PIDFD_THREAD);
	ASSERT_GE(lfd, 0);
	CHECK_EQ(poll_one(lfd, 0), 0);
	CHECK_EQ(fdinfo_pid(lfd), getpid());
	int d = (int)RAW(SYS_pidfd_getfd, lfd, gate[1], 0);
	CHECK_GE(d, 0);
	close(d);
	close(lfd);

	/* A child process's leader thread: waitid waits for the process. */
	pid_t pid = test_fork();
	if (pid == 0) {
		for (;;)
			pause();
	}
	int cfd = (int)RAW(SYS_pidfd_open, pid, PIDFD_THREAD);
	ASSERT_GE(cfd, 0);
	CHECK_OK(RAW(SYS_pidfd_send_signal, cfd, SIGKILL, NULL, 0));
	CHECK_EQ(poll_one(cfd, 10000), POLLIN);
	memset(&si, 0, sizeof(si));
	CHECK_OK(waitid(P_PIDFD, (id_t)cfd, &si, WEXITED));
	CHECK_EQ(si.si_pid, pid);
	CHECK_EQ(si.si_code, CLD_KILLED);
	CHECK_EQ(si.si_status, SIGKILL);
	CHECK_EQ(poll_one(cfd, 0), POLLIN | POLLHUP);
	CHECK_EQ(fdinfo_pid(cfd), -1);
	close(cfd);
	(void)st;

	/* clone(CLONE_PIDFD|CLONE_THREAD): a thread pidfd of the new thread
	 * (glibc's clone passes &nfd as parent_tid; the thread's function
	 * returns to glibc, which ends just that thread). */
	static char stack[64 * 1024] __attribute__((aligned(16)));
	int nfd = -1;
	long r = clone(quick_thread, stack + sizeof(stack),
		       CLONE_PIDFD | CLONE_THREAD | CLONE_SIGHAND | CLONE_VM | CLONE_FS | CLONE_FILES, NULL, &nfd);
	ASSERT_GT(r, 0);
	ASSERT_GE(nfd, 0);
	CHECK_EQ(fcntl(nfd, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(poll_until_hup(nfd), POLLIN | POLLHUP);
	CHECK_EQ(fdinfo_pid(nfd), -1);
	close(nfd);
	close(pfd);
	return test_done();
}
