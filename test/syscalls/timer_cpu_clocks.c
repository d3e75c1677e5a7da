//go:build ignore

/*
 * CPU-time clocks as timer and sleep clocks: clock_nanosleep on
 * CLOCK_PROCESS_CPUTIME_ID returns once the process (here a spinning
 * thread) used that much CPU, relative or TIMER_ABSTIME; a POSIX timer on
 * CLOCK_PROCESS_CPUTIME_ID fires after CPU use, not wall time; another
 * process's CPU clock (clock_getcpuclockid) reads; a thread CPU clock
 * cannot be slept on (EINVAL); an absolute sleep interrupted by a handler
 * is EINTR and leaves rem untouched.
 */
#include "testutil.h"
#include <pthread.h>
#include <time.h>

static volatile int stop_spin;
static void *spin(void *arg)
{
	(void)arg;
	while (!stop_spin)
		;
	return NULL;
}

static long long cpu_ns(clockid_t c)
{
	struct timespec ts;
	if (clock_gettime(c, &ts) != 0)
		return -1;
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static volatile int hits;
static void handler(int sig) { (void)sig; hits++; }

int main(void)
{
	pthread_t th;
	ASSERT_EQ(pthread_create(&th, NULL, spin, NULL), 0);

	/* Relative: 50ms of process CPU time. */
	long long c0 = cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
	struct timespec req = { 0, 50 * 1000000 };
	CHECK_EQ(clock_nanosleep(CLOCK_PROCESS_CPUTIME_ID, 0, &req, NULL), 0);
	CHECK_GE(cpu_ns(CLOCK_PROCESS_CPUTIME_ID) - c0, 50 * 1000000LL);
	/* Absolute: until the clock reads now + 30ms. */
	long long target = cpu_ns(CLOCK_PROCESS_CPUTIME_ID) + 30 * 1000000LL;
	req.tv_sec = target / 1000000000LL;
	req.tv_nsec = target % 1000000000LL;
	CHECK_EQ(clock_nanosleep(CLOCK_PROCESS_CPUTIME_ID, TIMER_ABSTIME, &req, NULL), 0);
	CHECK_GE(cpu_ns(CLOCK_PROCESS_CPUTIME_ID), target);
	/* Another thread's CPU clock can be slept on, our own cannot. */
	clockid_t tc;
	CHECK_EQ(pthread_getcpuclockid(th, &tc), 0);
	long long tc0 = cpu_ns(tc);
	req.tv_sec = 0;
	req.tv_nsec = 20 * 1000000;
	CHECK_EQ(RAW(SYS_clock_nanosleep, tc, 0, &req, NULL), 0);
	CHECK_GE(cpu_ns(tc) - tc0, 20 * 1000000LL);
	CHECK_EQ(pthread_getcpuclockid(pthread_self(), &tc), 0);
	CHECK_ERRNO(RAW(SYS_clock_nanosleep, tc, 0, &req, NULL), -1, EINVAL);

	/* A CPU-time timer fires after CPU use. */
	signal(SIGUSR1, handler);
	struct sigevent sev;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGUSR1;
	timer_t t;
	ASSERT_OK(timer_create(CLOCK_PROCESS_CPUTIME_ID, &sev, &t));
	struct itimerspec its;
	memset(&its, 0, sizeof(its));
	its.it_value.tv_nsec = 20 * 1000000;
	CHECK_OK(timer_settime(t, 0, &its, NULL));
	long long w0 = now_ns();
	while (!hits && now_ns() - w0 < 10000000000LL)
		usleep(1000);
	CHECK_EQ(hits, 1);
	CHECK_OK(timer_delete(t));
	stop_spin = 1;
	CHECK_EQ(pthread_join(th, NULL), 0);

	/* With nothing running, a CPU-time timer does not fire soon. */
	ASSERT_OK(timer_create(CLOCK_PROCESS_CPUTIME_ID, &sev, &t));
	its.it_value.tv_sec = 1;
	its.it_value.tv_nsec = 0;
	CHECK_OK(timer_settime(t, 0, &its, NULL));
	usleep(100000);
	CHECK_EQ(hits, 1);
	struct itimerspec cur;
	CHECK_OK(timer_gettime(t, &cur));
	CHECK_GT(cur.it_value.tv_sec * 1000000000LL + cur.it_value.tv_nsec, 900 * 1000000LL);
	CHECK_OK(timer_delete(t));

	/* Another process's CPU clock: a child that spins for a while. */
	int p[2];
	ASSERT_OK(pipe(p));
	pid_t pid = test_fork();
	if (pid == 0) {
		close(p[0]);
		while (cpu_ns(CLOCK_PROCESS_CPUTIME_ID) < 60 * 1000000LL)
			;
		if (write(p[1], "x", 1) != 1)
			_exit(2);
		pause();
		_exit(0);
	}
	close(p[1]);
	char c;
	CHECK_EQ(read(p[0], &c, 1), 1);
	clockid_t cc;
	CHECK_EQ(clock_getcpuclockid(pid, &cc), 0);
	CHECK_GE(cpu_ns(cc), 60 * 1000000LL);
	/* Sleeping on it: it is stopped, so an absolute time it passed returns
	 * at once. */
	req.tv_sec = 0;
	req.tv_nsec = 1000000;
	CHECK_EQ(clock_nanosleep(cc, TIMER_ABSTIME, &req, NULL), 0);
	CHECK_OK(kill(pid, SIGKILL));
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	/* Gone: ESRCH from clock_getcpuclockid, EINVAL from clock_gettime. */
	CHECK_EQ(clock_getcpuclockid(pid, &cc), ESRCH);
	struct timespec gone;
	CHECK_ERRNO(clock_gettime(cc, &gone), -1, EINVAL);

	/* Absolute sleep interrupted: EINTR, rem not written. */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sa.sa_flags = SA_RESTART; /* no effect on sleeps */
	CHECK_OK(sigaction(SIGALRM, &sa, NULL));
	struct timespec now, rem = { 77, 77 };
	clock_gettime(CLOCK_MONOTONIC, &now);
	req = now;
	req.tv_sec += 5;
	timer_t ta;
	sev.sigev_signo = SIGALRM;
	ASSERT_OK(timer_create(CLOCK_MONOTONIC, &sev, &ta));
	its.it_value.tv_sec = 0;
	its.it_value.tv_nsec = 50 * 1000000;
	CHECK_OK(timer_settime(ta, 0, &its, NULL));
	CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &req, &rem), EINTR);
	CHECK_EQ(rem.tv_sec, 77);
	CHECK_EQ(rem.tv_nsec, 77);
	/* A relative one with SA_RESTART is still EINTR, with the time left. */
	req.tv_sec = 5;
	req.tv_nsec = 0;
	CHECK_OK(timer_settime(ta, 0, &its, NULL));
	CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, 0, &req, &rem), EINTR);
	CHECK_GT(rem.tv_sec * 1000000000LL + rem.tv_nsec, 4000 * 1000000LL);
	CHECK_LE(rem.tv_sec, 5);
	CHECK_OK(timer_delete(ta));
	/* Negative times are EINVAL, absolute too. */
	req.tv_sec = -1;
	CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &req, NULL), EINVAL);
	return test_done();
}
