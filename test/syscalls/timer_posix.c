//go:build ignore

/*
 * POSIX timers in depth: SIGEV_NONE counts down without a signal,
 * SIGEV_THREAD_ID signals the chosen thread with si_timerid-style
 * siginfo (SI_TIMER, si_value.sival_ptr), a periodic timer whose signal
 * is blocked counts overruns (timer_getoverrun, and si_overrun when
 * delivered), TIMER_ABSTIME in the past fires at once, a deleted timer is
 * EINVAL for every call, timers are not inherited by fork, and bad
 * arguments are EINVAL.
 */
#include "testutil.h"
#include <pthread.h>
#include <time.h>

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

static volatile int hits, last_code;
static void *volatile last_ptr;
static volatile pid_t hit_tid;

static void handler(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	last_code = si->si_code;
	last_ptr = si->si_value.sival_ptr;
	hit_tid = (pid_t)RAW(SYS_gettid);
	hits++;
}

static volatile pid_t worker_tid;
static volatile int worker_stop;
static void *worker(void *arg)
{
	(void)arg;
	worker_tid = (pid_t)RAW(SYS_gettid);
	while (!worker_stop)
		usleep(1000);
	return NULL;
}

static long long ts_ns(const struct timespec *t) { return t->tv_sec * 1000000000LL + t->tv_nsec; }

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	CHECK_OK(sigaction(SIGRTMIN, &sa, NULL));
	timer_t t;
	struct sigevent sev;
	struct itimerspec its, cur;

	/* SIGEV_NONE: runs, counts down, never signals. */
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_NONE;
	ASSERT_OK(timer_create(CLOCK_MONOTONIC, &sev, &t));
	memset(&its, 0, sizeof(its));
	its.it_value.tv_nsec = 200 * 1000000;
	CHECK_OK(timer_settime(t, 0, &its, NULL));
	CHECK_OK(timer_gettime(t, &cur));
	CHECK_GT(ts_ns(&cur.it_value), 0);
	CHECK_LE(ts_ns(&cur.it_value), 200 * 1000000LL);
	usleep(250000);
	CHECK_OK(timer_gettime(t, &cur));
	CHECK_EQ(ts_ns(&cur.it_value), 0);
	CHECK_EQ(hits, 0);
	CHECK_OK(timer_delete(t));

	/* SIGEV_THREAD_ID: to the worker thread, with our sival_ptr. */
	pthread_t th;
	ASSERT_EQ(pthread_create(&th, NULL, worker, NULL), 0);
	while (!worker_tid)
		sched_yield();
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGRTMIN;
	sev.sigev_value.sival_ptr = (void *)&hits;
	sev.sigev_notify_thread_id = worker_tid;
	ASSERT_OK(timer_create(CLOCK_MONOTONIC, &sev, &t));
	its.it_value.tv_nsec = 20 * 1000000;
	CHECK_OK(timer_settime(t, 0, &its, NULL));
	long long t0 = now_ns();
	while (!hits && now_ns() - t0 < 5000000000LL)
		usleep(1000);
	CHECK_EQ(hits, 1);
	CHECK_EQ(hit_tid, worker_tid);
	CHECK_EQ(last_code, SI_TIMER);
	CHECK_EQ(last_ptr, (void *)&hits);
	CHECK_OK(timer_delete(t));
	/* A thread id of another process, or none: EINVAL. */
	sev.sigev_notify_thread_id = 0x3ffffff0;
	CHECK_ERRNO(timer_create(CLOCK_MONOTONIC, &sev, &t), -1, EINVAL);
	worker_stop = 1;
	CHECK_EQ(pthread_join(th, NULL), 0);

	/* Overruns: 5ms period, blocked for ~100ms. */
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGRTMIN;
	sev.sigev_value.sival_int = 5;
	ASSERT_OK(timer_create(CLOCK_MONOTONIC, &sev, &t));
	sigset_t b;
	sigemptyset(&b);
	sigaddset(&b, SIGRTMIN);
	CHECK_OK(sigprocmask(SIG_BLOCK, &b, NULL));
	hits = 0;
	its.it_value.tv_sec = 0;
	its.it_value.tv_nsec = 5 * 1000000;
	its.it_interval.tv_nsec = 5 * 1000000;
	CHECK_OK(timer_settime(t, 0, &its, NULL));
	usleep(100000);
	/* One signal is queued however many expirations; it carries the
	 * overrun count, which timer_getoverrun then repeats. */
	siginfo_t si;
	struct timespec zero = { 0, 0 };
	CHECK_EQ(sigtimedwait(&b, &si, &zero), SIGRTMIN);
	CHECK_EQ(si.si_code, SI_TIMER);
	CHECK_EQ(si.si_value.sival_int, 5);
	CHECK_GE(si.si_overrun, 5);
	CHECK_LE(si.si_overrun, 40);
	CHECK_EQ(timer_getoverrun(t), si.si_overrun);
	its.it_value.tv_nsec = 0;
	its.it_interval.tv_nsec = 0;
	CHECK_OK(timer_settime(t, 0, &its, NULL)); /* stop it */
	while (sigtimedwait(&b, &si, &zero) == SIGRTMIN)
		;
	CHECK_OK(sigprocmask(SIG_UNBLOCK, &b, NULL));
	CHECK_EQ(hits, 0);

	/* TIMER_ABSTIME in the past: fires at once. */
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	its.it_value = now;
	its.it_value.tv_sec -= 1;
	int before = hits;
	CHECK_OK(timer_settime(t, TIMER_ABSTIME, &its, NULL));
	t0 = now_ns();
	while (hits == before && now_ns() - t0 < 5000000000LL)
		usleep(1000);
	CHECK_EQ(hits, before + 1);
	CHECK_EQ(timer_getoverrun(t), 0);

	/* Not inherited by fork: the child cannot use the id. */
	pid_t pid = test_fork();
	if (pid == 0) {
		struct itimerspec c;
		CHECK_ERRNO(timer_gettime(t, &c), -1, EINVAL);
		child_exit();
	}
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);

	/* Disarming clears the interval; a huge value is clamped, not
	 * wrapped into a disarm. */
	its.it_value.tv_sec = 0;
	its.it_value.tv_nsec = 0;
	its.it_interval.tv_sec = 3;
	its.it_interval.tv_nsec = 0;
	CHECK_OK(timer_settime(t, 0, &its, NULL));
	CHECK_OK(timer_gettime(t, &cur));
	CHECK_EQ(cur.it_interval.tv_sec, 0);
	CHECK_EQ(cur.it_value.tv_sec, 0);
	its.it_value.tv_sec = 0x7fffffffffffffffLL;
	its.it_interval.tv_sec = 0;
	CHECK_OK(timer_settime(t, 0, &its, NULL));
	CHECK_OK(timer_gettime(t, &cur));
	CHECK_GT(cur.it_value.tv_sec, 100LL * 365 * 86400);

	/* Deleted: every call is EINVAL. */
	CHECK_OK(timer_delete(t));
	CHECK_ERRNO(timer_settime(t, 0, &its, NULL), -1, EINVAL);
	CHECK_ERRNO(timer_gettime(t, &cur), -1, EINVAL);
	CHECK_ERRNO(timer_getoverrun(t), -1, EINVAL);
	CHECK_ERRNO(timer_delete(t), -1, EINVAL);

	/* Bad arguments. */
	sev.sigev_notify = 99;
	CHECK_ERRNO(timer_create(CLOCK_MONOTONIC, &sev, &t), -1, EINVAL);
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = 0;
	CHECK_ERRNO(timer_create(CLOCK_MONOTONIC, &sev, &t), -1, EINVAL);
	sev.sigev_signo = 65;
	CHECK_ERRNO(timer_create(CLOCK_MONOTONIC, &sev, &t), -1, EINVAL);
	sev.sigev_signo = SIGRTMIN;
	ASSERT_OK(timer_create(CLOCK_REALTIME, &sev, &t));
	its.it_value.tv_sec = 0;
	its.it_value.tv_nsec = 1000000000;
	CHECK_ERRNO(timer_settime(t, 0, &its, NULL), -1, EINVAL);
	its.it_value.tv_nsec = -1;
	CHECK_ERRNO(timer_settime(t, 0, &its, NULL), -1, EINVAL);
	CHECK_OK(timer_delete(t));
	/* A NULL sigevent means SIGALRM with the timer id as value. */
	timer_t t2;
	ASSERT_OK(timer_create(CLOCK_MONOTONIC, NULL, &t2));
	CHECK_OK(timer_delete(t2));
	return test_done();
}
