//go:build ignore

/*
 * pause and alarm: pause returns -1/EINTR only once a handler ran (an
 * ignored signal does not wake it; a stop and continue does not either);
 * alarm returns the seconds left of the previous alarm, rounded to the
 * nearest second and never 0 for a pending alarm, alarm(0) cancels; alarm
 * and ITIMER_REAL are the same timer; a forked child has no alarm; an
 * alarm fires SIGALRM with si_code SI_KERNEL.
 */
#include "testutil.h"
#include <sys/time.h>

static volatile int alrm, usr1, alrm_code;
static void on_alrm(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	alrm_code = si->si_code;
	alrm++;
}
static void on_usr1(int sig) { (void)sig; usr1++; }

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_alrm;
	sa.sa_flags = SA_SIGINFO;
	CHECK_OK(sigaction(SIGALRM, &sa, NULL));

	/* Return values. */
	CHECK_EQ(alarm(0), 0);
	CHECK_EQ(alarm(50), 0);
	CHECK_EQ(alarm(30), 50);
	CHECK_EQ(alarm(0), 30);
	CHECK_EQ(alarm(0), 0);
	/* Shared with ITIMER_REAL: 2.7s left reads back as 3 (rounded). */
	struct itimerval itv = { { 0, 0 }, { 2, 700000 } }, old;
	CHECK_OK(setitimer(ITIMER_REAL, &itv, NULL));
	CHECK_EQ(alarm(0), 3);
	itv.it_value.tv_sec = 0;
	itv.it_value.tv_usec = 200000; /* 0.2s: still 1, a pending alarm is never 0 */
	CHECK_OK(setitimer(ITIMER_REAL, &itv, NULL));
	CHECK_EQ(alarm(0), 1);
	CHECK_EQ(alarm(10), 0);
	CHECK_OK(getitimer(ITIMER_REAL, &old));
	CHECK_EQ(old.it_interval.tv_sec, 0);
	CHECK(old.it_value.tv_sec == 9 || old.it_value.tv_sec == 10);
	/* A forked child starts without the alarm. */
	pid_t pid = test_fork();
	if (pid == 0) {
		CHECK_EQ(alarm(0), 0);
		CHECK_OK(getitimer(ITIMER_REAL, &old));
		CHECK_EQ(old.it_value.tv_sec, 0);
		CHECK_EQ(old.it_value.tv_usec, 0);
		child_exit();
	}
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	CHECK_EQ(alarm(0), 10);

	/* pause: an ignored signal does not end it, a handled one does. */
	signal(SIGUSR2, SIG_IGN);
	signal(SIGUSR1, on_usr1);
	pid = test_fork();
	if (pid == 0) {
		pid_t pp = getppid();
		usleep(30000);
		kill(pp, SIGUSR2);
		usleep(30000);
		kill(pp, SIGSTOP);
		usleep(30000);
		kill(pp, SIGCONT);
		usleep(30000);
		kill(pp, SIGUSR1);
		_exit(0);
	}
	long long t0 = now_ns();
	CHECK_ERRNO(pause(), -1, EINTR);
	CHECK_EQ(usr1, 1);
	CHECK_GE(now_ns() - t0, 100000000LL);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);

	/* An alarm ends pause, with SI_KERNEL. */
	CHECK_EQ(alarm(1), 0);
	t0 = now_ns();
	CHECK_ERRNO(pause(), -1, EINTR);
	CHECK_EQ(alrm, 1);
	CHECK_EQ(alrm_code, SI_KERNEL);
	CHECK_GE(now_ns() - t0, 900000000LL);
	CHECK_EQ(alarm(0), 0);
	return test_done();
}
