//go:build ignore

/*
 * "mov $NR, %eax; syscall" sites shared by threads (see syspatch.h):
 * threads released together by a barrier make the first calls ever of a
 * site at once (a platform that patches it does so while the others run
 * it); then threads hammer shared sites (getpid, gettid, write to
 * /dev/null, and a site whose registers, flags, vector state and red
 * zone are checked) while the main thread sends them SIGUSR1 and a 1 ms
 * interval timer sends the process SIGALRM; the handlers make calls from
 * the same sites. Every result is checked and every thread finishes.
 */
#include "syspatch.h"
#include <pthread.h>
#include <sys/time.h>

#define NT 4

SITE(s_getpid, SYS_getpid)
SITE(s_gettid, SYS_gettid)
SITE(s_write, SYS_write)
SITE(s_fresh0, SYS_gettid)
SITE(s_fresh1, SYS_gettid)
SITE(s_fresh2, SYS_getpid)
SITE(s_fresh3, SYS_gettid)
SP_REGS_FN(r_gettid, SYS_gettid)

static long (*const fresh[4])(long, long, long, long, long, long) = {
	s_fresh0, s_fresh1, s_fresh2, s_fresh3,
};
static const int fresh_is_pid[4] = { 0, 0, 1, 0 };

static pthread_barrier_t bar;
static pid_t pid;
static int devnull;
static int mode;

struct worker {
	pthread_t t;
	pid_t tid;
	int idx;
	long calls;
	long errors;
	char first_error[200];
	volatile int handled;
	volatile int handler_errors;
	struct sp_regs regs;
};
static struct worker w[NT];
static volatile int stop;
static volatile int round_no;

static void note(struct worker *me, const char *what, long got, long want)
{
	if (me->errors++ == 0)
		snprintf(me->first_error, sizeof me->first_error,
			 "thread %d: %s: got %ld, want %ld", me->idx, what, got, want);
}

/* Race: all threads make the first calls of fresh[round] together. */
static void *racer(void *arg)
{
	struct worker *me = arg;
	me->tid = syscall(SYS_gettid);
	for (int r = 0; r < 4; r++) {
		pthread_barrier_wait(&bar);
		long want = fresh_is_pid[r] ? pid : me->tid;
		for (int i = 0; i < 300; i++) {
			long got = fresh[r](0, 0, 0, 0, 0, 0);
			me->calls++;
			if (got != want)
				note(me, "fresh site", got, want);
		}
	}
	return NULL;
}

static struct worker *self_worker(void)
{
	pid_t tid = syscall(SYS_gettid);
	for (int i = 0; i < NT; i++)
		if (w[i].tid == tid)
			return &w[i];
	return NULL;
}

static volatile int alarms, main_handled;

/* Both signals: calls from the sites the workers use, checked. */
static void on_signal(int sig)
{
	int saved = errno;
	struct worker *me = self_worker();
	if (sig == SIGALRM)
		alarms++;
	if (!me) {
		main_handled++;
		errno = saved;
		return;
	}
	me->handled++;
	if (s_gettid(0, 0, 0, 0, 0, 0) != me->tid || s_getpid(0, 0, 0, 0, 0, 0) != pid ||
	    s_write(devnull, (long)"handler", 7, 0, 0, 0) != 7)
		me->handler_errors++;
	/* On the stack: a handler may interrupt another one. */
	struct sp_regs hregs;
	int seed = me->handled;
	sp_regs_fill(&hregs, 0x77 + seed, mode, seed & 1);
	r_gettid(&hregs);
	if ((long)hregs.out[SP_RAX] != me->tid || sp_regs_check(&hregs, "in handler"))
		me->handler_errors++;
	errno = saved;
}

static void *hammer(void *arg)
{
	struct worker *me = arg;
	char buf[64];
	memset(buf, 'x', sizeof buf);
	me->tid = syscall(SYS_gettid);
	pthread_barrier_wait(&bar);
	for (long i = 0; !stop || i < 200; i++) {
		long g;
		if ((g = s_getpid(0, 0, 0, 0, 0, 0)) != pid)
			note(me, "getpid", g, pid);
		if ((g = s_gettid(0, 0, 0, 0, 0, 0)) != me->tid)
			note(me, "gettid", g, me->tid);
		int n = 1 + (i + me->idx) % 64;
		if ((g = s_write(devnull, (long)buf, n, 0, 0, 0)) != n)
			note(me, "write /dev/null", g, n);
		if ((g = s_write(-1, (long)buf, n, 0, 0, 0)) != -EBADF)
			note(me, "write -1", g, -EBADF);
		if (i % 4 == 0) {
			sp_regs_fill(&me->regs, i * 131 + me->idx, mode, i & 8);
			r_gettid(&me->regs);
			if ((long)me->regs.out[SP_RAX] != me->tid)
				note(me, "regs site gettid", me->regs.out[SP_RAX], me->tid);
			if (sp_regs_check(&me->regs, "worker"))
				note(me, "registers (above)", 1, 0);
		}
		me->calls++;
	}
	return NULL;
}

int main(void)
{
	pid = getpid();
	mode = sp_mode();
	devnull = open("/dev/null", O_WRONLY);
	ASSERT_OK(devnull);
	CHECK_SITE(s_getpid, SYS_getpid);
	CHECK_SITE(s_gettid, SYS_gettid);
	CHECK_SITE(s_write, SYS_write);
	CHECK_SITE(s_fresh0, SYS_gettid);
	CHECK_SITE(s_fresh1, SYS_gettid);
	CHECK_SITE(s_fresh2, SYS_getpid);
	CHECK_SITE(s_fresh3, SYS_gettid);
	CHECK_SITE(r_gettid, SYS_gettid);

	/* New sites, first hit by all threads at once. */
	ASSERT_EQ(pthread_barrier_init(&bar, NULL, NT), 0);
	for (int i = 0; i < NT; i++) {
		w[i].idx = i;
		ASSERT_EQ(pthread_create(&w[i].t, NULL, racer, &w[i]), 0);
	}
	for (int i = 0; i < NT; i++) {
		CHECK_EQ(pthread_join(w[i].t, NULL), 0);
		CHECK_EQ(w[i].calls, 4 * 300);
		CHECK_EQ(w[i].errors, 0);
		if (w[i].errors)
			FAIL("%s", w[i].first_error);
	}
	CHECK_EQ(pthread_barrier_destroy(&bar), 0);

	/* Hammering with signals. The handler runs on every thread. */
	memset(w, 0, sizeof w);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
	CHECK_OK(sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(pthread_barrier_init(&bar, NULL, NT + 1), 0);
	for (int i = 0; i < NT; i++) {
		w[i].idx = i;
		ASSERT_EQ(pthread_create(&w[i].t, NULL, hammer, &w[i]), 0);
	}
	pthread_barrier_wait(&bar);
	struct itimerval itv = { { 0, 1000 }, { 0, 1000 } };
	CHECK_OK(setitimer(ITIMER_REAL, &itv, NULL));
	long long start = now_ns();
	int sent = 0;
	for (;;) {
		long long el = now_ns() - start;
		int all = 1;
		for (int i = 0; i < NT; i++)
			if (w[i].handled < 20)
				all = 0;
		if ((all && el > 200000000LL) || el > 1200000000LL)
			break;
		for (int i = 0; i < NT; i++) {
			CHECK_EQ(pthread_kill(w[i].t, SIGUSR1), 0);
			sent++;
		}
		usleep(300);
	}
	stop = 1;
	for (int i = 0; i < NT; i++)
		CHECK_EQ(pthread_join(w[i].t, NULL), 0);
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	CHECK_OK(setitimer(ITIMER_REAL, &off, NULL));
	signal(SIGALRM, SIG_IGN);
	for (int i = 0; i < NT; i++) {
		CHECK_GE(w[i].calls, 200);
		CHECK_EQ(w[i].errors, 0);
		if (w[i].errors)
			FAIL("%s", w[i].first_error);
		CHECK_GE(w[i].handled, 1);
		CHECK_EQ(w[i].handler_errors, 0);
	}
	CHECK_GT(sent, 0);
	CHECK_GT(alarms, 0);
	return test_done();
}
