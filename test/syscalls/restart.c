//go:build ignore

/* Interrupted system calls: SA_RESTART restarts a blocking read, a
 * handler without it gets EINTR; nanosleep reports the time left; a
 * stop and continue does not cut a sleep short; sigsuspend and pause. */
#include "testutil.h"
#include <sys/time.h>
#include <time.h>

static volatile sig_atomic_t got;
static void on_sig(int s) { (void)s; got++; }

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* A child that writes one byte after delay_ms. */
static pid_t late_writer(int fd, int delay_ms)
{
	pid_t p = fork();
	if (p == 0) {
		usleep(delay_ms * 1000);
		write(fd, "z", 1);
		_exit(0);
	}
	return p;
}

int main(void)
{
	struct sigaction sa = {0};
	sa.sa_handler = on_sig;
	sa.sa_flags = SA_RESTART;
	ASSERT_OK(sigaction(SIGALRM, &sa, NULL));

	/* SA_RESTART: the read continues after the handler and gets data. */
	int p[2];
	ASSERT_OK(pipe(p));
	pid_t w = late_writer(p[1], 300);
	struct itimerval it = {{0, 0}, {0, 50000}};
	CHECK_OK(setitimer(ITIMER_REAL, &it, NULL));
	char c = 0;
	CHECK_EQ(read(p[0], &c, 1), 1);
	CHECK_EQ(c, 'z');
	CHECK_EQ(got, 1);
	int st;
	waitpid(w, &st, 0);

	/* Without SA_RESTART: EINTR. The timer repeats, so that a signal
	 * that comes before the read starts is followed by one during it. */
	sa.sa_flags = 0;
	ASSERT_OK(sigaction(SIGALRM, &sa, NULL));
	w = late_writer(p[1], 1000);
	struct itimerval rep = {{0, 50000}, {0, 50000}}, off = {{0, 0}, {0, 0}};
	CHECK_OK(setitimer(ITIMER_REAL, &rep, NULL));
	CHECK_ERRNO(read(p[0], &c, 1), -1, EINTR);
	CHECK_OK(setitimer(ITIMER_REAL, &off, NULL));
	CHECK_GE(got, 2);
	CHECK_EQ(read(p[0], &c, 1), 1);
	waitpid(w, &st, 0);

	/* nanosleep interrupted: EINTR and the remaining time. */
	int before = got;
	CHECK_OK(setitimer(ITIMER_REAL, &rep, NULL));
	struct timespec req = {2, 0}, rem = {0, 0};
	long long t0 = now_ms();
	CHECK_ERRNO(nanosleep(&req, &rem), -1, EINTR);
	CHECK_OK(setitimer(ITIMER_REAL, &off, NULL));
	CHECK_LT(now_ms() - t0, 1500);
	CHECK(rem.tv_sec >= 0 && rem.tv_sec <= 2);
	CHECK_GT(got, before);

	/* A sleeping child stopped and continued still sleeps its time:
	 * the sleep restarts without a handler. */
	pid_t s = fork();
	if (s == 0) {
		struct timespec r = {0, 400000000};
		long long a = now_ms();
		nanosleep(&r, NULL);
		_exit(now_ms() - a >= 390 ? 0 : 1);
	}
	usleep(50000);
	CHECK_OK(kill(s, SIGSTOP));
	CHECK_EQ(waitpid(s, &st, WUNTRACED), s);
	CHECK(WIFSTOPPED(st));
	CHECK_OK(kill(s, SIGCONT));
	CHECK_EQ(waitpid(s, &st, 0), s);
	CHECK_EXITED(st, 0);

	/* sigsuspend: waits with a temporary mask, returns EINTR. */
	sigset_t block, old, waitmask;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	ASSERT_OK(sigaction(SIGUSR1, &sa, NULL));
	CHECK_OK(sigprocmask(SIG_BLOCK, &block, &old));
	before = got;
	CHECK_OK(kill(getpid(), SIGUSR1));
	CHECK_EQ(got, before); /* blocked: not yet */
	sigemptyset(&waitmask);
	CHECK_ERRNO(sigsuspend(&waitmask), -1, EINTR);
	CHECK_EQ(got, before + 1);
	sigset_t now;
	CHECK_OK(sigprocmask(SIG_BLOCK, NULL, &now));
	CHECK(sigismember(&now, SIGUSR1));
	CHECK_OK(sigprocmask(SIG_SETMASK, &old, NULL));

	/* pause returns after a handled signal (repeating, in case the
	 * first comes before pause starts). */
	before = got;
	CHECK_OK(setitimer(ITIMER_REAL, &rep, NULL));
	CHECK_ERRNO(pause(), -1, EINTR);
	CHECK_OK(setitimer(ITIMER_REAL, &off, NULL));
	CHECK_GT(got, before);
	return test_done();
}
