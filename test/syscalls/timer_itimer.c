//go:build ignore

/*
 * setitimer/getitimer for ITIMER_VIRTUAL and ITIMER_PROF: they count the
 * process's CPU time (user, and user+system), fire SIGVTALRM and SIGPROF,
 * rearm from it_interval, read back counting down, round a tiny value up
 * rather than disarm, are not inherited by fork; errors for bad values,
 * and a NULL new value (Linux treats it as disarm).
 */
#include "testutil.h"
#include <sys/time.h>

static volatile int vt, prof;
static void on_vt(int sig) { (void)sig; vt++; }
static void on_prof(int sig) { (void)sig; prof++; }

static void spin_until(volatile int *v, int n)
{
	long long t0 = now_ns();
	while (*v < n && now_ns() - t0 < 10000000000LL)
		;
}

int main(void)
{
	signal(SIGVTALRM, on_vt);
	signal(SIGPROF, on_prof);
	struct itimerval itv, old;

	/* One shot, 30ms of user time. */
	memset(&itv, 0, sizeof(itv));
	itv.it_value.tv_usec = 30000;
	CHECK_OK(setitimer(ITIMER_VIRTUAL, &itv, NULL));
	CHECK_OK(getitimer(ITIMER_VIRTUAL, &old));
	CHECK_EQ(old.it_value.tv_sec, 0);
	CHECK_GT(old.it_value.tv_usec, 0);
	/* Linux may round up to its tick (at most 10ms). */
	CHECK_LE(old.it_value.tv_usec, 40000);
	spin_until(&vt, 1);
	CHECK_EQ(vt, 1);
	CHECK_OK(getitimer(ITIMER_VIRTUAL, &old));
	CHECK_EQ(old.it_value.tv_sec, 0);
	CHECK_EQ(old.it_value.tv_usec, 0);

	/* Periodic PROF: fires repeatedly, then is disarmed. */
	itv.it_value.tv_usec = 10000;
	itv.it_interval.tv_usec = 10000;
	CHECK_OK(setitimer(ITIMER_PROF, &itv, NULL));
	spin_until(&prof, 3);
	CHECK_GE(prof, 3);
	CHECK_OK(getitimer(ITIMER_PROF, &old));
	CHECK_EQ(old.it_interval.tv_usec, 10000);
	memset(&itv, 0, sizeof(itv));
	CHECK_OK(setitimer(ITIMER_PROF, &itv, &old));
	CHECK_EQ(old.it_interval.tv_sec, 0);
	CHECK_EQ(old.it_interval.tv_usec, 10000);
	int n = prof;
	long long t0 = now_ns();
	while (now_ns() - t0 < 50000000LL)
		;
	CHECK_EQ(prof, n);

	/* Sleeping does not use CPU time: VIRTUAL does not fire. */
	itv.it_value.tv_usec = 20000;
	CHECK_OK(setitimer(ITIMER_VIRTUAL, &itv, NULL));
	int v0 = vt;
	usleep(100000);
	CHECK_EQ(vt, v0);
	/* Not inherited by a child. */
	pid_t pid = test_fork();
	if (pid == 0) {
		struct itimerval c;
		CHECK_OK(getitimer(ITIMER_VIRTUAL, &c));
		CHECK_EQ(c.it_value.tv_sec, 0);
		CHECK_EQ(c.it_value.tv_usec, 0);
		child_exit();
	}
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	memset(&itv, 0, sizeof(itv));
	CHECK_OK(setitimer(ITIMER_VIRTUAL, &itv, &old));
	CHECK_GT(old.it_value.tv_usec, 0);

	/* 1us is not rounded down to zero (which would disarm). */
	signal(SIGALRM, SIG_IGN);
	itv.it_value.tv_usec = 1;
	itv.it_interval.tv_sec = 100;
	CHECK_OK(setitimer(ITIMER_REAL, &itv, NULL));
	CHECK_OK(getitimer(ITIMER_REAL, &old));
	CHECK_EQ(old.it_interval.tv_sec, 100);
	/* A NULL new value disarms, and the old one is still returned. */
	CHECK_EQ(RAW(SYS_setitimer, ITIMER_REAL, NULL, &old), 0);
	CHECK_EQ(old.it_interval.tv_sec, 100);
	CHECK_OK(getitimer(ITIMER_REAL, &old));
	CHECK_EQ(old.it_value.tv_sec, 0);
	CHECK_EQ(old.it_value.tv_usec, 0);
	CHECK_EQ(old.it_interval.tv_sec, 0);
	memset(&itv, 0, sizeof(itv));

	/* A value too large for the kernel's clock is clamped, not wrapped:
	 * the timer is armed for centuries. */
	memset(&itv, 0, sizeof(itv));
	itv.it_value.tv_sec = 0x7fffffffffffffffLL;
	CHECK_OK(setitimer(ITIMER_REAL, &itv, NULL));
	CHECK_OK(getitimer(ITIMER_REAL, &old));
	CHECK_GT(old.it_value.tv_sec, 100LL * 365 * 86400);
	/* Disarming ITIMER_REAL clears its interval too. */
	itv.it_value.tv_sec = 0;
	itv.it_interval.tv_sec = 7;
	CHECK_OK(setitimer(ITIMER_REAL, &itv, NULL));
	CHECK_OK(getitimer(ITIMER_REAL, &old));
	CHECK_EQ(old.it_value.tv_sec, 0);
	CHECK_EQ(old.it_interval.tv_sec, 0);
	memset(&itv, 0, sizeof(itv));

	/* Errors. */
	itv.it_value.tv_usec = 1000000;
	CHECK_ERRNO(setitimer(ITIMER_PROF, &itv, NULL), -1, EINVAL);
	itv.it_value.tv_usec = -1;
	CHECK_ERRNO(setitimer(ITIMER_VIRTUAL, &itv, NULL), -1, EINVAL);
	itv.it_value.tv_usec = 0;
	itv.it_interval.tv_usec = 1000000;
	CHECK_ERRNO(setitimer(ITIMER_REAL, &itv, NULL), -1, EINVAL);
	CHECK_ERRNO(getitimer(3, &old), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_getitimer, ITIMER_REAL, (void *)1), -1, EFAULT);
	CHECK_ERRNO(RAW(SYS_setitimer, ITIMER_REAL, (void *)1, NULL), -1, EFAULT);
	return test_done();
}
