//go:build ignore
/*
 * pidfds: pidfd_open's flags and errors, close-on-exec, fdinfo's Pid line,
 * its inode (one per process) and fd link, poll and epoll readiness (POLLIN once exited, POLLHUP too once reaped),
 * waitid(P_PIDFD) (blocking, PIDFD_NONBLOCK, not a child), and pidfds
 * from clone(CLONE_PIDFD) and clone3's pidfd field.
 */
#include "testutil.h"
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x1000
#endif
#define PIDFD_NONBLOCK O_NONBLOCK

static short poll_one(int fd, int timeout)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int n = poll(&p, 1, timeout);
	if (n < 0)
		return -1;
	return n == 0 ? 0 : p.revents;
}

/* A child that exits with code once a byte arrives on its pipe. */
static pid_t gated_child(int *gate, int code)
{
	int p[2];
	if (pipe(p))
		return -1;
	pid_t pid = test_fork();
	if (pid == 0) {
		char c;
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			_exit(99);
		_exit(code);
	}
	close(p[0]);
	*gate = p[1];
	return pid;
}

static volatile pid_t thread_tid;
static int thread_gate[2];

static void *thread_fn(void *arg)
{
	char c;
	(void)arg;
	thread_tid = gettid();
	if (read(thread_gate[0], &c, 1) != 1)
		return NULL;
	return NULL;
}

int main(void)
{
	siginfo_t si;
	int st;

	/* Flags and errors. */
	int self = (int)RAW(SYS_pidfd_open, getpid(), 0);
	ASSERT_GE(self, 0);
	CHECK_EQ(fcntl(self, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(self, F_GETFL) & O_NONBLOCK, 0);
	CHECK_EQ(fdinfo_pid(self), getpid());
	CHECK_EQ(poll_one(self, 0), 0);
	char b;
	CHECK_ERRNO(read(self, &b, 1), -1, EINVAL);
	int nb = (int)RAW(SYS_pidfd_open, getpid(), PIDFD_NONBLOCK);
	ASSERT_GE(nb, 0);
	CHECK_EQ(fcntl(nb, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	/* One inode per process: both pidfds of this one share it. */
	struct stat s1, s2;
	CHECK_OK(fstat(self, &s1));
	CHECK_OK(fstat(nb, &s2));
	CHECK_EQ(s1.st_ino, s2.st_ino);
	CHECK_EQ(s1.st_mode, 0700);
	char link[64], want[64];
	snprintf(want, sizeof(want), "/proc/self/fd/%d", self);
	ssize_t ln = readlink(want, link, sizeof(link) - 1);
	CHECK_GT(ln, 0);
	link[ln > 0 ? ln : 0] = 0;
	CHECK_STREQ(link, "anon_inode:[pidfd]");
	close(nb);
	CHECK_ERRNO(RAW(SYS_pidfd_open, getpid(), 2), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_pidfd_open, 0, 0), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_pidfd_open, -1, 0), -1, EINVAL);

	/* A thread that does not lead its group. */
	ASSERT_OK(pipe(thread_gate));
	pthread_t th;
	ASSERT_EQ(pthread_create(&th, NULL, thread_fn, NULL), 0);
	while (thread_tid == 0)
		sched_yield();
	/* pidfd_open(2) says EINVAL; Linux 6.9 and later say ENOENT. */
	CHECK_ERRNO(RAW(SYS_pidfd_open, thread_tid, 0), -1, ENOENT);
	CHECK_EQ(write(thread_gate[1], "x", 1), 1);
	pthread_join(th, NULL);

	/* A reaped process is gone. */
	pid_t gone = test_fork();
	if (gone == 0)
		_exit(0);
	CHECK_EQ(waitpid(gone, &st, 0), gone);
	CHECK_ERRNO(RAW(SYS_pidfd_open, gone, 0), -1, ESRCH);

	/* Readiness and waitid. */
	int gate;
	pid_t pid = gated_child(&gate, 7);
	ASSERT_GT(pid, 0);
	int pfd = (int)RAW(SYS_pidfd_open, pid, 0);
	ASSERT_GE(pfd, 0);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_GE(ep, 0);
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 42};
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, pfd, &ev));
	CHECK_EQ(epoll_wait(ep, &ev, 1, 0), 0);
	CHECK_EQ(poll_one(pfd, 0), 0);
	CHECK_EQ(fdinfo_pid(pfd), pid);
	CHECK_OK(fstat(pfd, &s2));
	CHECK_NE(s1.st_ino, s2.st_ino);
	CHECK_EQ(write(gate, "x", 1), 1);
	close(gate);
	CHECK_EQ(poll_one(pfd, 10000), POLLIN); /* a zombie: no hang-up yet */
	CHECK_EQ(epoll_wait(ep, &ev, 1, 10000), 1);
	CHECK_EQ(ev.events, EPOLLIN);
	CHECK_EQ(ev.data.u32, 42);
	CHECK_EQ(fdinfo_pid(pfd), pid);
	memset(&si, 0, sizeof(si));
	CHECK_OK(waitid(P_PIDFD, (id_t)pfd, &si, WEXITED));
	CHECK_EQ(si.si_pid, pid);
	CHECK_EQ(si.si_code, CLD_EXITED);
	CHECK_EQ(si.si_status, 7);
	CHECK_EQ(poll_one(pfd, 0), POLLIN | POLLHUP);
	CHECK_EQ(fdinfo_pid(pfd), -1);
	CHECK_ERRNO(waitid(P_PIDFD, (id_t)pfd, &si, WEXITED), -1, ECHILD);
	CHECK_ERRNO(RAW(SYS_pidfd_send_signal, pfd, 0, NULL, 0), -1, ESRCH);
	close(ep);
	close(pfd);

	/* PIDFD_NONBLOCK: EAGAIN without WNOHANG, nothing with it. */
	pid = gated_child(&gate, 8);
	ASSERT_GT(pid, 0);
	pfd = (int)RAW(SYS_pidfd_open, pid, PIDFD_NONBLOCK);
	ASSERT_GE(pfd, 0);
	CHECK_ERRNO(waitid(P_PIDFD, (id_t)pfd, &si, WEXITED), -1, EAGAIN);
	memset(&si, 0x55, sizeof(si));
	CHECK_OK(waitid(P_PIDFD, (id_t)pfd, &si, WEXITED | WNOHANG));
	CHECK_EQ(si.si_pid, 0);
	CHECK_EQ(write(gate, "x", 1), 1);
	close(gate);
	CHECK_EQ(poll_one(pfd, 10000), POLLIN);
	CHECK_OK(waitid(P_PIDFD, (id_t)pfd, &si, WEXITED));
	CHECK_EQ(si.si_pid, pid);
	CHECK_EQ(si.si_status, 8);
	close(pfd);

	/* Not a child, not a pidfd. */
	pid = test_fork();
	if (pid == 0) {
		/* The parent is no child of its child. */
		int pp = (int)RAW(SYS_pidfd_open, getppid(), 0);
		CHECK_GE(pp, 0);
		CHECK_ERRNO(waitid(P_PIDFD, (id_t)pp, &si, WEXITED | WNOHANG), -1, ECHILD);
		child_exit();
	}
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	CHECK_ERRNO(waitid(P_PIDFD, (id_t)self, &si, WEXITED | WNOHANG), -1, ECHILD);
	int p[2];
	ASSERT_OK(pipe(p));
	CHECK_ERRNO(waitid(P_PIDFD, (id_t)p[0], &si, WEXITED), -1, EBADF);
	CHECK_ERRNO(waitid(P_PIDFD, 99999, &si, WEXITED), -1, EBADF);

	/* clone(CLONE_PIDFD) stores the fd at parent_tid. */
	int cfd = -1;
	pid = (pid_t)RAW(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, &cfd, 0, 0);
	if (pid == 0)
		_exit(9);
	ASSERT_GT(pid, 0);
	ASSERT_GE(cfd, 0);
	CHECK_EQ(fcntl(cfd, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fdinfo_pid(cfd), pid);
	CHECK_OK(waitid(P_PIDFD, (id_t)cfd, &si, WEXITED));
	CHECK_EQ(si.si_pid, pid);
	CHECK_EQ(si.si_status, 9);
	close(cfd);
	CHECK_ERRNO(RAW(SYS_clone, CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, 0, &cfd, 0, 0), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, (void *)8, 0, 0), -1, EFAULT);

	/* clone3's pidfd field, with CLONE_PARENT_SETTID alongside. */
	struct {
		uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	} ca;
	int c3fd = -1;
	pid_t ptid = 0;
	memset(&ca, 0, sizeof(ca));
	ca.flags = CLONE_PIDFD | CLONE_PARENT_SETTID;
	ca.pidfd = (uintptr_t)&c3fd;
	ca.parent_tid = (uintptr_t)&ptid;
	ca.exit_signal = SIGCHLD;
	pid = (pid_t)RAW(SYS_clone3, &ca, sizeof(ca));
	if (pid == 0)
		_exit(10);
	ASSERT_GT(pid, 0);
	CHECK_EQ(ptid, pid);
	ASSERT_GE(c3fd, 0);
	CHECK_EQ(fcntl(c3fd, F_GETFD), FD_CLOEXEC);
	CHECK_OK(waitid(P_PIDFD, (id_t)c3fd, &si, WEXITED));
	CHECK_EQ(si.si_pid, pid);
	CHECK_EQ(si.si_status, 10);
	close(c3fd);
	close(self);
	return test_done();
}
