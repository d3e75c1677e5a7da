//go:build ignore
/*
 * pidfd_send_signal and pidfd_getfd: a signal by pidfd (default action,
 * with caller siginfo to oneself), zombies take signals silently and
 * reaped processes are ESRCH; pidfd_getfd duplicates another process's
 * file close-on-exec; flag, fd and signal errors.
 */
#include "testutil.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static int pidfd_open(pid_t pid) { return (int)RAW(SYS_pidfd_open, pid, 0); }

int main(void)
{
	siginfo_t si;
	int st;

	/* A signal's default action, by pidfd. */
	pid_t pid = test_fork();
	if (pid == 0) {
		for (;;)
			pause();
	}
	int pfd = pidfd_open(pid);
	ASSERT_GE(pfd, 0);
	CHECK_OK(RAW(SYS_pidfd_send_signal, pfd, 0, NULL, 0));
	CHECK_ERRNO(RAW(SYS_pidfd_send_signal, pfd, SIGTERM, NULL, 8), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_pidfd_send_signal, pfd, SIGTERM, NULL, 3), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_pidfd_send_signal, pfd, 1000, NULL, 0), -1, EINVAL);
	CHECK_OK(RAW(SYS_pidfd_send_signal, pfd, SIGTERM, NULL, 0));
	memset(&si, 0, sizeof(si));
	CHECK_OK(waitid(P_PIDFD, (id_t)pfd, &si, WEXITED | WNOWAIT));
	CHECK_EQ(si.si_code, CLD_KILLED);
	CHECK_EQ(si.si_status, SIGTERM);
	/* A zombie takes signals (and drops them); a reaped process is gone. */
	CHECK_OK(RAW(SYS_pidfd_send_signal, pfd, SIGTERM, NULL, 0));
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_SIGNALED(st, SIGTERM);
	CHECK_ERRNO(RAW(SYS_pidfd_send_signal, pfd, SIGTERM, NULL, 0), -1, ESRCH);
	CHECK_ERRNO(RAW(SYS_pidfd_send_signal, pfd, 0, NULL, 0), -1, ESRCH);
	close(pfd);

	/* Not a pidfd. */
	int p[2];
	ASSERT_OK(pipe(p));
	CHECK_ERRNO(RAW(SYS_pidfd_send_signal, p[0], 0, NULL, 0), -1, EBADF);
	CHECK_ERRNO(RAW(SYS_pidfd_send_signal, 99999, 0, NULL, 0), -1, EBADF);

	/* To oneself, with the caller's siginfo. */
	int self = pidfd_open(getpid());
	ASSERT_GE(self, 0);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	ASSERT_OK(sigprocmask(SIG_BLOCK, &set, NULL));
	siginfo_t in;
	memset(&in, 0, sizeof(in));
	in.si_signo = SIGUSR1;
	in.si_code = SI_QUEUE;
	in.si_pid = getpid();
	in.si_uid = getuid();
	in.si_value.sival_int = 1234;
	CHECK_OK(RAW(SYS_pidfd_send_signal, self, SIGUSR1, &in, 0));
	memset(&si, 0, sizeof(si));
	struct timespec ts = {5, 0};
	CHECK_EQ(sigtimedwait(&set, &si, &ts), SIGUSR1);
	CHECK_EQ(si.si_code, SI_QUEUE);
	CHECK_EQ(si.si_value.sival_int, 1234);
	/* The siginfo must name the signal sent. */
	CHECK_ERRNO(RAW(SYS_pidfd_send_signal, self, SIGUSR2, &in, 0), -1, EINVAL);
	/* Without siginfo: SI_USER from the caller. */
	CHECK_OK(RAW(SYS_pidfd_send_signal, self, SIGUSR1, NULL, 0));
	memset(&si, 0, sizeof(si));
	CHECK_EQ(sigtimedwait(&set, &si, &ts), SIGUSR1);
	CHECK_EQ(si.si_code, SI_USER);
	CHECK_EQ(si.si_pid, getpid());

	/* pidfd_getfd: the child's pipe, both ends duplicated; the child
	 * waits for a byte on it, which the parent writes through its copy. */
	int rep[2];
	ASSERT_OK(pipe(rep));
	pid = test_fork();
	if (pid == 0) {
		int q[2];
		if (pipe(q))
			_exit(98);
		if (write(rep[1], q, sizeof(q)) != sizeof(q))
			_exit(97);
		char c;
		if (read(q[0], &c, 1) != 1 || c != 'g')
			_exit(96);
		_exit(0);
	}
	close(rep[1]);
	int fds[2];
	ASSERT_EQ(read(rep[0], fds, sizeof(fds)), (ssize_t)sizeof(fds));
	close(rep[0]);
	pfd = pidfd_open(pid);
	ASSERT_GE(pfd, 0);
	CHECK_ERRNO(RAW(SYS_pidfd_getfd, pfd, fds[0], 1), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_pidfd_getfd, p[0], fds[0], 0), -1, EBADF);
	CHECK_ERRNO(RAW(SYS_pidfd_getfd, pfd, 9999, 0), -1, EBADF);
	CHECK_ERRNO(RAW(SYS_pidfd_getfd, pfd, -1, 0), -1, EBADF);
	int r = (int)RAW(SYS_pidfd_getfd, pfd, fds[0], 0);
	int w = (int)RAW(SYS_pidfd_getfd, pfd, fds[1], 0);
	ASSERT_GE(r, 0);
	ASSERT_GE(w, 0);
	CHECK_EQ(fcntl(r, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(w, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(r, F_GETFL) & O_ACCMODE, O_RDONLY);
	CHECK_EQ(fcntl(w, F_GETFL) & O_ACCMODE, O_WRONLY);
	struct stat s1, s2;
	CHECK_OK(fstat(r, &s1));
	CHECK_OK(fstat(w, &s2));
	CHECK(S_ISFIFO(s1.st_mode));
	CHECK_EQ(s1.st_ino, s2.st_ino);
	CHECK_EQ(write(w, "g", 1), 1);
	close(w);
	close(r);
	memset(&si, 0, sizeof(si));
	CHECK_OK(waitid(P_PIDFD, (id_t)pfd, &si, WEXITED | WNOWAIT));
	CHECK_EQ(si.si_code, CLD_EXITED);
	CHECK_EQ(si.si_status, 0);
	/* A zombie has no files. */
	CHECK_ERRNO(RAW(SYS_pidfd_getfd, pfd, 0, 0), -1, ESRCH);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	CHECK_ERRNO(RAW(SYS_pidfd_getfd, pfd, 0, 0), -1, ESRCH);
	close(pfd);

	/* From oneself. */
	int d = (int)RAW(SYS_pidfd_getfd, self, p[1], 0);
	ASSERT_GE(d, 0);
	CHECK_EQ(fcntl(d, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(write(d, "z", 1), 1);
	char c = 0;
	CHECK_EQ(read(p[0], &c, 1), 1);
	CHECK_EQ(c, 'z');
	close(d);
	close(self);
	return test_done();
}
