//go:build ignore

/*
 * Timers and synchronous signal intake: alarm, setitimer/getitimer,
 * POSIX timers (SIGEV_SIGNAL, SIGEV_THREAD_ID, SIGEV_NONE), timerfd,
 * signalfd and rt_sigtimedwait.
 */
#include "testutil.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>

static volatile sig_atomic_t alarms;
static volatile int last_code, last_value;
static void on_alarm(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	alarms++;
	last_code = si->si_code;
	last_value = si->si_value.sival_int;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int main(void)
{
	struct sigaction sa = {0};
	sa.sa_sigaction = on_alarm;
	sa.sa_flags = SA_SIGINFO;
	ASSERT_OK(sigaction(SIGALRM, &sa, NULL));

	/* alarm: returns the seconds left of the previous one. */
	CHECK_EQ(alarm(100), 0);
	unsigned left = alarm(0);
	CHECK(left >= 99 && left <= 100);
	CHECK_EQ(alarm(0), 0);

	/* setitimer ITIMER_REAL: fires SIGALRM periodically. */
	struct itimerval itv = {{0, 20000}, {0, 20000}}, old;
	CHECK_OK(setitimer(ITIMER_REAL, &itv, NULL));
	long long t0 = now_ms();
	while (alarms < 3 && now_ms() - t0 < 5000)
		usleep(1000); /* not pause(): the signal may come first */
	CHECK_GE(alarms, 3);
	CHECK_EQ(last_code, SI_KERNEL);
	CHECK_OK(getitimer(ITIMER_REAL, &old));
	CHECK_EQ(old.it_interval.tv_usec, 20000);
	memset(&itv, 0, sizeof(itv));
	CHECK_OK(setitimer(ITIMER_REAL, &itv, &old));
	CHECK_EQ(old.it_interval.tv_usec, 20000);
	CHECK_OK(getitimer(ITIMER_REAL, &old));
	CHECK_EQ(old.it_value.tv_sec, 0);
	CHECK_EQ(old.it_value.tv_usec, 0);
	CHECK_ERRNO(setitimer(7, &itv, NULL), -1, EINVAL);
	itv.it_value.tv_usec = 2000000;
	CHECK_ERRNO(setitimer(ITIMER_REAL, &itv, NULL), -1, EINVAL);

	/* ITIMER_VIRTUAL counts user CPU time. */
	struct sigaction sv = {0};
	sv.sa_sigaction = on_alarm;
	sv.sa_flags = SA_SIGINFO;
	ASSERT_OK(sigaction(SIGVTALRM, &sv, NULL));
	alarms = 0;
	struct itimerval vt = {{0, 0}, {0, 30000}};
	CHECK_OK(setitimer(ITIMER_VIRTUAL, &vt, NULL));
	t0 = now_ms();
	volatile unsigned long spin = 0;
	while (alarms == 0 && now_ms() - t0 < 10000)
		spin++;
	CHECK_EQ(alarms, 1);

	/* POSIX timer with SIGEV_SIGNAL and a value. */
	alarms = 0;
	struct sigevent sev = {0};
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGALRM;
	sev.sigev_value.sival_int = 77;
	timer_t tid;
	ASSERT_OK(timer_create(CLOCK_MONOTONIC, &sev, &tid));
	struct itimerspec its = {{0, 0}, {0, 10000000}};
	CHECK_OK(timer_settime(tid, 0, &its, NULL));
	t0 = now_ms();
	while (alarms == 0 && now_ms() - t0 < 5000)
		usleep(1000); /* not pause(): the signal may come first */
	CHECK_EQ(alarms, 1);
	CHECK_EQ(last_code, SI_TIMER);
	CHECK_EQ(last_value, 77);
	struct itimerspec cur;
	CHECK_OK(timer_gettime(tid, &cur));
	CHECK_EQ(cur.it_value.tv_sec, 0);
	CHECK_EQ(cur.it_value.tv_nsec, 0);
	CHECK_EQ(timer_getoverrun(tid), 0);
	/* Absolute time in the past fires at once. */
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	its.it_value = now;
	CHECK_OK(timer_settime(tid, TIMER_ABSTIME, &its, NULL));
	t0 = now_ms();
	while (alarms == 1 && now_ms() - t0 < 5000)
		usleep(1000); /* not pause(): the signal may come first */
	CHECK_EQ(alarms, 2);
	CHECK_OK(timer_delete(tid));
	CHECK_ERRNO(timer_delete(tid), -1, EINVAL);
	CHECK_ERRNO(timer_create(12345, &sev, &tid), -1, EINVAL);

	/* SIGEV_NONE: no signal, but the timer runs. */
	sev.sigev_notify = SIGEV_NONE;
	ASSERT_OK(timer_create(CLOCK_REALTIME, &sev, &tid));
	its.it_value.tv_sec = 100;
	its.it_value.tv_nsec = 0;
	CHECK_OK(timer_settime(tid, 0, &its, NULL));
	CHECK_OK(timer_gettime(tid, &cur));
	CHECK(cur.it_value.tv_sec >= 99 && cur.it_value.tv_sec <= 100);
	CHECK_OK(timer_delete(tid));

	/* timerfd: counts expirations; read blocks until one. */
	int tfd;
	ASSERT_OK(tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC));
	struct itimerspec tits = {{0, 5000000}, {0, 5000000}};
	CHECK_OK(timerfd_settime(tfd, 0, &tits, NULL));
	uint64_t n = 0;
	CHECK_EQ(read(tfd, &n, sizeof(n)), 8);
	CHECK_GE(n, 1);
	usleep(30000);
	CHECK_EQ(read(tfd, &n, sizeof(n)), 8);
	CHECK_GE(n, 2);
	char small[4];
	CHECK_ERRNO(read(tfd, small, sizeof(small)), -1, EINVAL);
	memset(&tits, 0, sizeof(tits));
	CHECK_OK(timerfd_settime(tfd, 0, &tits, NULL));
	CHECK_OK(fcntl(tfd, F_SETFL, O_NONBLOCK));
	CHECK_ERRNO(read(tfd, &n, sizeof(n)), -1, EAGAIN);
	CHECK_ERRNO(timerfd_create(CLOCK_MONOTONIC, 0x42), -1, EINVAL);
	close(tfd);

	/* signalfd: blocked signals are read from the fd. */
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGUSR2);
	ASSERT_OK(sigprocmask(SIG_BLOCK, &mask, NULL));
	int sfd;
	ASSERT_OK(sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC));
	struct signalfd_siginfo ssi;
	CHECK_ERRNO(read(sfd, &ssi, sizeof(ssi)), -1, EAGAIN);
	CHECK_OK(kill(getpid(), SIGUSR2));
	CHECK_EQ(read(sfd, &ssi, sizeof(ssi)), (ssize_t)sizeof(ssi));
	CHECK_EQ(ssi.ssi_signo, SIGUSR2);
	CHECK_EQ(ssi.ssi_code, SI_USER);
	CHECK_EQ(ssi.ssi_pid, (uint32_t)getpid());
	union sigval sval = {.sival_int = 9};
	CHECK_OK(sigqueue(getpid(), SIGUSR1, sval));
	CHECK_EQ(read(sfd, &ssi, sizeof(ssi)), (ssize_t)sizeof(ssi));
	CHECK_EQ(ssi.ssi_signo, SIGUSR1);
	CHECK_EQ(ssi.ssi_code, SI_QUEUE);
	CHECK_EQ(ssi.ssi_int, 9);
	CHECK_ERRNO(read(sfd, small, sizeof(small)), -1, EINVAL);
	close(sfd);

	/* rt_sigtimedwait: takes a pending signal, or times out. */
	struct timespec zero = {0, 0};
	siginfo_t si;
	CHECK_ERRNO(sigtimedwait(&mask, &si, &zero), -1, EAGAIN);
	CHECK_OK(kill(getpid(), SIGUSR1));
	CHECK_EQ(sigtimedwait(&mask, &si, &zero), SIGUSR1);
	CHECK_EQ(si.si_code, SI_USER);
	struct timespec ten = {0, 10000000};
	t0 = now_ms();
	CHECK_ERRNO(sigtimedwait(&mask, &si, &ten), -1, EAGAIN);
	CHECK_GE(now_ms() - t0, 9);
	return test_done();
}
