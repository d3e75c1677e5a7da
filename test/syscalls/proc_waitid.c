//go:build ignore

/*
 * waitid in depth: WSTOPPED and WCONTINUED with WNOWAIT (the event stays
 * to be collected again), the three event kinds in one call in the order
 * they happen, P_PGID (a group, and 0 for the caller's own), siginfo
 * fields for each kind, the zeroed siginfo of an empty WNOHANG, and
 * P_PIDFD with a pidfd from pidfd_open (more in proc_pidfd).
 */
#include "testutil.h"
#include <sys/syscall.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

int main(void)
{
	siginfo_t si;

	pid_t pid = test_fork();
	if (pid == 0) {
		for (;;)
			pause();
	}
	CHECK_OK(kill(pid, SIGSTOP));
	/* WNOWAIT leaves the stop to be reported again. */
	memset(&si, 0, sizeof(si));
	CHECK_OK(waitid(P_PID, pid, &si, WSTOPPED | WNOWAIT));
	CHECK_EQ(si.si_pid, pid);
	CHECK_EQ(si.si_signo, SIGCHLD);
	CHECK_EQ(si.si_code, CLD_STOPPED);
	CHECK_EQ(si.si_status, SIGSTOP);
	CHECK_EQ(si.si_uid, getuid());
	memset(&si, 0, sizeof(si));
	CHECK_OK(waitid(P_PID, pid, &si, WSTOPPED | WEXITED | WCONTINUED));
	CHECK_EQ(si.si_code, CLD_STOPPED);
	/* Consumed now. */
	memset(&si, 0xff, sizeof(si));
	CHECK_OK(waitid(P_PID, pid, &si, WSTOPPED | WNOHANG));
	CHECK_EQ(si.si_pid, 0);
	CHECK_EQ(si.si_signo, 0);
	/* Continued, with WNOWAIT, then for real. */
	CHECK_OK(kill(pid, SIGCONT));
	CHECK_OK(waitid(P_PID, pid, &si, WCONTINUED | WNOWAIT));
	CHECK_EQ(si.si_code, CLD_CONTINUED);
	CHECK_EQ(si.si_status, SIGCONT);
	CHECK_OK(waitid(P_ALL, 0, &si, WCONTINUED | WEXITED | WSTOPPED));
	CHECK_EQ(si.si_code, CLD_CONTINUED);
	CHECK_EQ(si.si_pid, pid);
	/* WEXITED alone does not report stops. */
	CHECK_OK(kill(pid, SIGSTOP));
	CHECK_OK(waitid(P_PID, pid, &si, WSTOPPED | WNOWAIT));
	CHECK_OK(waitid(P_PID, pid, &si, WEXITED | WNOHANG));
	CHECK_EQ(si.si_pid, 0);
	CHECK_OK(kill(pid, SIGKILL));
	CHECK_OK(waitid(P_PID, pid, &si, WEXITED));
	CHECK_EQ(si.si_code, CLD_KILLED);
	CHECK_EQ(si.si_status, SIGKILL);

	/* P_PGID: two children in a new group, one outside. The group's
	 * leader a lives until b has joined (else the group could be gone). */
	int gate[2];
	ASSERT_OK(pipe(gate));
	pid_t a = test_fork();
	if (a == 0) {
		char c;
		setpgid(0, 0);
		close(gate[1]);
		if (read(gate[0], &c, 1) < 0)
			_exit(99);
		_exit(31);
	}
	close(gate[0]);
	setpgid(a, a);
	pid_t b = test_fork();
	if (b == 0) {
		if (setpgid(0, a) != 0)
			_exit(98);
		_exit(32);
	}
	setpgid(b, a);
	CHECK_EQ(getpgid(b) == a || getpgid(b) == -1, 1);
	close(gate[1]);
	pid_t o = test_fork();
	if (o == 0)
		_exit(33);
	int seen = 0;
	for (int i = 0; i < 2; i++) {
		CHECK_OK(waitid(P_PGID, a, &si, WEXITED));
		CHECK(si.si_pid == a || si.si_pid == b);
		CHECK_EQ(si.si_status, si.si_pid == a ? 31 : 32);
		seen++;
	}
	CHECK_EQ(seen, 2);
	CHECK_ERRNO(waitid(P_PGID, a, &si, WEXITED | WNOHANG), -1, ECHILD);
	/* P_PGID 0: our own group, where o is. */
	CHECK_OK(waitid(P_PGID, 0, &si, WEXITED));
	CHECK_EQ(si.si_pid, o);
	CHECK_EQ(si.si_status, 33);
	CHECK_ERRNO(waitid(P_PGID, 0, &si, WEXITED | WNOHANG), -1, ECHILD);

	/* si_uid is the child's real UID (checked when we may change it). */
	if (getuid() == 0) {
		pid = test_fork();
		if (pid == 0) {
			if (setresuid(65534, 65534, 65534) != 0)
				_exit(1);
			_exit(0);
		}
		CHECK_OK(waitid(P_PID, pid, &si, WEXITED));
		CHECK_EQ(si.si_uid, 65534);
		CHECK_EQ(si.si_status, 0);
	}

	/* P_PIDFD. */
	pid = test_fork();
	if (pid == 0)
		_exit(44);
	long pfd = RAW(SYS_pidfd_open, pid, 0);
	ASSERT_GE(pfd, 0);
	CHECK_OK(waitid(P_PIDFD, (id_t)pfd, &si, WEXITED));
	CHECK_EQ(si.si_pid, pid);
	CHECK_EQ(si.si_status, 44);
	close((int)pfd);
	CHECK_ERRNO(waitid(P_PIDFD, 99999, &si, WEXITED), -1, EBADF);
	/* Errors. */
	CHECK_ERRNO(waitid(P_PID, 0, &si, WEXITED), -1, EINVAL);
	CHECK_ERRNO(waitid(P_ALL, 0, &si, WNOWAIT), -1, EINVAL);
	return test_done();
}
