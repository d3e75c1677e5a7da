//go:build ignore

/*
 * RLIMIT_SIGPENDING: queued signals are counted against the receiver's
 * user; past the limit sigqueue of a real-time signal fails with EAGAIN
 * (nothing queued), while kill of a real-time signal still delivers it
 * (without its queue entry's information) and standard signals are never
 * refused; taking a signal frees its slot. Run as a fresh user so that no
 * other process's signals count. (Needs root to change users; otherwise
 * only the raised-limit part runs.)
 */
#include "testutil.h"
#include <sys/resource.h>

int main(void)
{
	if (getuid() != 0)
		return test_done();
	pid_t pid = test_fork();
	if (pid == 0) {
		struct rlimit rl = { 4, 4 };
		ASSERT_OK(setrlimit(RLIMIT_SIGPENDING, &rl));
		ASSERT_OK(setresuid(4321, 4321, 4321));
		sigset_t b;
		sigemptyset(&b);
		sigaddset(&b, SIGRTMIN);
		sigaddset(&b, SIGRTMIN + 1);
		sigaddset(&b, SIGUSR1);
		CHECK_OK(sigprocmask(SIG_BLOCK, &b, NULL));
		union sigval v;
		for (int i = 0; i < 4; i++) {
			v.sival_int = i;
			CHECK_EQ(sigqueue(getpid(), SIGRTMIN, v), 0);
		}
		v.sival_int = 99;
		CHECK_ERRNO(sigqueue(getpid(), SIGRTMIN, v), -1, EAGAIN);
		CHECK_ERRNO(sigqueue(getpid(), SIGRTMIN + 1, v), -1, EAGAIN);
		/* kill still works for a real-time signal and a standard one. */
		CHECK_EQ(kill(getpid(), SIGRTMIN + 1), 0);
		CHECK_EQ(kill(getpid(), SIGUSR1), 0);
		sigset_t p;
		CHECK_OK(sigpending(&p));
		CHECK_EQ(sigismember(&p, SIGRTMIN + 1), 1);
		CHECK_EQ(sigismember(&p, SIGUSR1), 1);
		/* The four queued ones come out in order. */
		siginfo_t si;
		struct timespec zero = { 0, 0 };
		sigset_t w;
		sigemptyset(&w);
		sigaddset(&w, SIGRTMIN);
		for (int i = 0; i < 4; i++) {
			CHECK_EQ(sigtimedwait(&w, &si, &zero), SIGRTMIN);
			CHECK_EQ(si.si_value.sival_int, i);
		}
		CHECK_ERRNO(sigtimedwait(&w, &si, &zero), -1, EAGAIN);
		/* Slots are free again. */
		v.sival_int = 7;
		CHECK_EQ(sigqueue(getpid(), SIGRTMIN, v), 0);
		CHECK_EQ(sigtimedwait(&w, &si, &zero), SIGRTMIN);
		CHECK_EQ(si.si_value.sival_int, 7);
		child_exit();
	}
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	return test_done();
}
