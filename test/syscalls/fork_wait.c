//go:build ignore

/* fork and wait4: exit statuses, signals, WNOHANG, ECHILD, rusage, waitid. */
#include "testutil.h"
#include <signal.h>
#include <sys/resource.h>

int main(void)
{
	int status;
	pid_t me = getpid();

	/* No children yet: ECHILD. */
	CHECK_ERRNO(RAW(SYS_wait4, -1, &status, 0, NULL), -1, ECHILD);
	CHECK_ERRNO(RAW(SYS_wait4, -1, &status, WNOHANG, NULL), -1, ECHILD);

	/* Exit codes 0, 1, 42 and 255 come back exactly. */
	int codes[] = { 0, 1, 42, 255 };
	for (int i = 0; i < 4; i++) {
		pid_t pid = RAW(SYS_fork);
		ASSERT_GE(pid, 0);
		if (pid == 0)
			RAW(SYS_exit_group, codes[i]);
		CHECK_NE(pid, me);
		status = -1;
		CHECK_EQ(RAW(SYS_wait4, pid, &status, 0, NULL), pid);
		CHECK(WIFEXITED(status));
		CHECK(!WIFSIGNALED(status));
		CHECK_EQ(WEXITSTATUS(status), codes[i]);
		CHECK_EQ(status, codes[i] << 8);
	}
	/* Only the low 8 bits of the exit code survive. */
	pid_t pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(0x1234);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_EXITED(status, 0x34);

	/* The child sees its own pid and the parent's as ppid. */
	int p[2];
	ASSERT_OK(pipe(p));
	pid = test_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		pid_t ids[2] = { getpid(), getppid() };
		CHECK_EQ(write(p[1], ids, sizeof(ids)), sizeof(ids));
		child_exit();
	}
	pid_t ids[2] = { 0, 0 };
	CHECK_EQ(read(p[0], ids, sizeof(ids)), sizeof(ids));
	CHECK_EQ(ids[0], pid);
	CHECK_EQ(ids[1], me);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);

	/* Killed by SIGKILL: WIFSIGNALED, WTERMSIG. WNOHANG first sees it running. */
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		close(p[1]);
		char c;
		for (;;)
			if (read(p[0], &c, 1) <= 0)
				pause();
	}
	CHECK_EQ(RAW(SYS_wait4, pid, &status, WNOHANG, NULL), 0);
	CHECK_EQ(kill(pid, SIGKILL), 0);
	struct rusage ru;
	memset(&ru, 0xff, sizeof(ru));
	CHECK_EQ(RAW(SYS_wait4, pid, &status, 0, &ru), pid);
	CHECK(WIFSIGNALED(status));
	CHECK(!WIFEXITED(status));
	CHECK_EQ(WTERMSIG(status), SIGKILL);
	CHECK_EQ(status & 0x7f, SIGKILL);
	CHECK_GE(ru.ru_utime.tv_usec, 0);
	CHECK_LT(ru.ru_utime.tv_usec, 1000000);
	/* Reaped: a second wait is ECHILD. */
	CHECK_ERRNO(RAW(SYS_wait4, pid, &status, 0, NULL), -1, ECHILD);

	/* SIGTERM with the default action. */
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		for (;;)
			pause();
	}
	CHECK_EQ(kill(pid, SIGTERM), 0);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_SIGNALED(status, SIGTERM);

	/* Waiting for any of several children returns each exactly once. */
	pid_t kids[3];
	for (int i = 0; i < 3; i++) {
		kids[i] = fork();
		ASSERT_GE(kids[i], 0);
		if (kids[i] == 0)
			_exit(10 + i);
	}
	int seen = 0;
	for (int n = 0; n < 3; n++) {
		pid_t w = RAW(SYS_wait4, -1, &status, 0, NULL);
		for (int i = 0; i < 3; i++) {
			if (w == kids[i]) {
				seen |= 1 << i;
				CHECK_EXITED(status, 10 + i);
			}
		}
	}
	CHECK_EQ(seen, 7);
	CHECK_ERRNO(RAW(SYS_wait4, -1, &status, 0, NULL), -1, ECHILD);

	/* wait4 for a pid that is not our child: ECHILD. Bad options: EINVAL. */
	CHECK_ERRNO(RAW(SYS_wait4, me, &status, 0, NULL), -1, ECHILD);
	CHECK_ERRNO(RAW(SYS_wait4, -1, &status, 0x10000000, NULL), -1, EINVAL);

	/* A NULL status pointer is allowed. */
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(3);
	CHECK_EQ(RAW(SYS_wait4, pid, NULL, 0, NULL), pid);

	/* waitid: si_pid, si_status, si_code CLD_EXITED / CLD_KILLED. */
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(77);
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	CHECK_EQ(waitid(P_PID, pid, &si, WEXITED), 0);
	CHECK_EQ(si.si_signo, SIGCHLD);
	CHECK_EQ(si.si_pid, pid);
	CHECK_EQ(si.si_code, CLD_EXITED);
	CHECK_EQ(si.si_status, 77);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		for (;;)
			pause();
	}
	CHECK_EQ(kill(pid, SIGKILL), 0);
	memset(&si, 0, sizeof(si));
	CHECK_EQ(waitid(P_PID, pid, &si, WEXITED), 0);
	CHECK_EQ(si.si_code, CLD_KILLED);
	CHECK_EQ(si.si_status, SIGKILL);
	close(p[0]);
	close(p[1]);
	return test_done();
}
