//go:build ignore

/*
 * Restarting interrupted syscalls made from "mov $NR, %eax; syscall"
 * sites (see syspatch.h) that were used many times first. A restart
 * re-executes the syscall instruction (rip - 2) with rax holding the
 * number again, or restart_syscall's: a platform that rewrote the site
 * must still make that call.
 *  - read on an empty pipe, interrupted by a handled SIGALRM: with
 *    SA_RESTART the handler sees rip at the syscall instruction and rax
 *    = the read number, and the read goes on to return the data written
 *    later; without it, the handler sees -EINTR and rip after the site,
 *    and the read returns -EINTR.
 *  - nanosleep and clock_nanosleep (relative, and absolute) in a child
 *    stopped and continued: the sleep goes on through restart_syscall (or
 *    the same call) and lasts its full time, not more than once over; a
 *    handled signal makes them return -EINTR with the time left.
 *  - a futex wait interrupted by a handled signal with SA_RESTART goes on
 *    waiting and returns 0 when woken; without SA_RESTART, -EINTR.
 */
#include "syspatch.h"
#include <linux/futex.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <ucontext.h>

SITE(s_read, SYS_read)
SITE(s_nanosleep, SYS_nanosleep)
SITE(s_clock_nanosleep, SYS_clock_nanosleep)
SITE(s_futex, SYS_futex)

static volatile int alarms;
static volatile long h_rip, h_rax;

static void on_alrm(int sig, siginfo_t *si, void *ucv)
{
	(void)sig;
	(void)si;
	ucontext_t *uc = ucv;
	h_rip = uc->uc_mcontext.gregs[REG_RIP];
	h_rax = uc->uc_mcontext.gregs[REG_RAX];
	alarms++;
}

static void arm(int restart, int ms)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_alrm;
	sa.sa_flags = SA_SIGINFO | (restart ? SA_RESTART : 0);
	CHECK_OK(sigaction(SIGALRM, &sa, NULL));
	alarms = 0;
	h_rip = h_rax = 0;
	struct itimerval itv = { { 0, 0 }, { 0, ms * 1000 } };
	CHECK_OK(setitimer(ITIMER_REAL, &itv, NULL));
}

/* A child that writes "data" into fd after ms milliseconds. */
static pid_t writer(int fd, int ms)
{
	pid_t pid = fork();
	if (pid == 0) {
		usleep(ms * 1000);
		if (write(fd, "data", 4) != 4)
			_exit(1);
		_exit(0);
	}
	return pid;
}

static void test_read(void)
{
	int p[2];
	ASSERT_OK(pipe(p));
	char buf[8];
	for (int i = 0; i < 1000; i++) {
		CHECK_EQ(write(p[1], "z", 1), 1);
		if (s_read(p[0], (long)buf, sizeof buf, 0, 0, 0) != 1) {
			FAIL("warm-up read %d", i);
			break;
		}
	}

	/* SA_RESTART: the read is restarted and gets the data. */
	pid_t w = writer(p[1], 150);
	ASSERT_GT(w, 0);
	arm(1, 30);
	memset(buf, 0, sizeof buf);
	long r = s_read(p[0], (long)buf, sizeof buf, 0, 0, 0);
	CHECK_EQ(r, 4);
	CHECK_MEMEQ(buf, "data", 4);
	CHECK_EQ(alarms, 1);
	CHECK_EQ(h_rip, (long)s_read_sc);
	CHECK_EQ(h_rax, SYS_read);
	int st;
	CHECK_EQ(waitpid(w, &st, 0), w);
	CHECK_CHILD_OK(st);

	/* No SA_RESTART: -EINTR, seen as such by the handler too. */
	arm(0, 30);
	r = s_read(p[0], (long)buf, sizeof buf, 0, 0, 0);
	CHECK_EQ(r, -EINTR);
	CHECK_EQ(alarms, 1);
	CHECK_EQ(h_rip, (long)s_read_end);
	CHECK_EQ(h_rax, -EINTR);

	/* The site still works, restarted several times in a row. */
	w = writer(p[1], 150);
	ASSERT_GT(w, 0);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_alrm;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	CHECK_OK(sigaction(SIGALRM, &sa, NULL));
	alarms = 0;
	struct itimerval itv = { { 0, 20000 }, { 0, 20000 } };
	CHECK_OK(setitimer(ITIMER_REAL, &itv, NULL));
	memset(buf, 0, sizeof buf);
	r = s_read(p[0], (long)buf, sizeof buf, 0, 0, 0);
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	CHECK_OK(setitimer(ITIMER_REAL, &off, NULL));
	CHECK_EQ(r, 4);
	CHECK_MEMEQ(buf, "data", 4);
	CHECK_GE(alarms, 3);
	CHECK_EQ(waitpid(w, &st, 0), w);
	CHECK_CHILD_OK(st);
	close(p[0]);
	close(p[1]);
}

#define SLEEP_MS 400
#define STOP_AFTER_MS 250

/* Shared with the sleeping children: when each was about to sleep, and
 * whether the parent stopped it before that (on a loaded machine it can
 * be slow to get there), when a relative sleep rightly starts late. */
static struct {
	volatile long long about[3];
	volatile int early[3];
	volatile long long ended[3];
} *sleepers;

/* In a child: sleep SLEEP_MS by how (0 nanosleep, 1 clock_nanosleep
 * relative, 2 absolute) while the parent stops and continues it. */
static void sleep_child(int how, int ready_fd)
{
	for (int i = 0; i < 1000; i++) {
		struct timespec z = { 0, 0 };
		long r = how == 0 ? s_nanosleep((long)&z, 0, 0, 0, 0, 0)
				  : s_clock_nanosleep(CLOCK_MONOTONIC, 0, (long)&z, 0, 0, 0);
		if (r != 0) {
			FAIL("warm-up sleep %d: %ld", i, r);
			break;
		}
	}
	long long start = now_ns();
	if (write(ready_fd, "r", 1) != 1)
		FAIL("ready");
	struct timespec req = { 0, SLEEP_MS * 1000000L }, rem = { 7, 7 };
	long r;
	sleepers->about[how] = now_ns();
	if (how == 0) {
		r = s_nanosleep((long)&req, (long)&rem, 0, 0, 0, 0);
	} else if (how == 1) {
		r = s_clock_nanosleep(CLOCK_MONOTONIC, 0, (long)&req, (long)&rem, 0, 0);
	} else {
		struct timespec abs;
		long long t = start + SLEEP_MS * 1000000LL;
		abs.tv_sec = t / 1000000000LL;
		abs.tv_nsec = t % 1000000000LL;
		r = s_clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, (long)&abs, (long)&rem, 0,
				      0);
	}
	long long end = now_ns(), el = end - start;
	sleepers->ended[how] = end;
	CHECK_EQ(r, 0);
	CHECK_GE(el, SLEEP_MS * 1000000LL);
	/* The parent stops the child about STOP_AFTER_MS into its sleep: a
	 * sleep begun again from the start after the stop would end at
	 * least SLEEP_MS + STOP_AFTER_MS after the call was made (a
	 * relative one; an absolute one ends when it ends), a resumed one
	 * SLEEP_MS after, which a loaded machine may stretch by up to the
	 * difference. */
	if (!sleepers->early[how] && how != 2)
		CHECK_LT(end - sleepers->about[how], (SLEEP_MS + STOP_AFTER_MS) * 1000000LL);
	if (how == 2)
		CHECK_LT(el, (SLEEP_MS + STOP_AFTER_MS) * 1000000LL);
	child_exit();
}

/* The three kinds of sleep at once, in three children stopped together.
 * Returns how many children the stop missed: on a loaded machine the
 * parent can reach its kill after a child's sleep has ended, and that
 * child then exits without having been stopped, which tests nothing. */
static int sleep_stopped_round(void)
{
	pid_t c[3];
	int p[3][2], stopped[3] = { 0 }, missed = 0;
	memset((void *)sleepers, 0, sizeof *sleepers);
	for (int how = 0; how < 3; how++) {
		ASSERT_OK(pipe(p[how]));
		c[how] = test_fork();
		ASSERT_GE(c[how], 0);
		if (c[how] == 0) {
			close(p[how][0]);
			sleep_child(how, p[how][1]);
		}
		close(p[how][1]);
	}
	for (int how = 0; how < 3; how++) {
		char ch;
		CHECK_EQ(read(p[how][0], &ch, 1), 1);
	}
	usleep(STOP_AFTER_MS * 1000);
	long long kill_at = now_ns();
	int st;
	for (int how = 0; how < 3; how++)
		CHECK_OK(kill(c[how], SIGSTOP));
	for (int how = 0; how < 3; how++) {
		CHECK_EQ(waitpid(c[how], &st, WUNTRACED), c[how]);
		if (WIFSTOPPED(st)) {
			stopped[how] = 1;
			sleepers->early[how] = sleepers->about[how] == 0;
			continue;
		}
		/* Not stopped: only a sleep that had already ended, in a
		 * child that then passed its own checks, is a miss. */
		long long ended = sleepers->ended[how];
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0 && ended != 0 && ended <= kill_at)
			missed++;
		else
			FAIL("sleep kind %d: not stopped (status 0x%x)", how, st);
		c[how] = 0;
	}
	usleep(20000);
	for (int how = 0; how < 3; how++)
		if (stopped[how])
			CHECK_OK(kill(c[how], SIGCONT));
	for (int how = 0; how < 3; how++) {
		if (c[how] != 0) {
			CHECK_EQ(waitpid(c[how], &st, 0), c[how]);
			if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
				FAIL("sleep kind %d under stop/cont failed (status 0x%x)", how, st);
		}
		close(p[how][0]);
	}
	return missed;
}

static void test_sleep_stopped(void)
{
	sleepers = mmap(0, sizeof *sleepers, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE((void *)sleepers, MAP_FAILED);
	int round = 0;
	while (sleep_stopped_round() != 0)
		if (++round == 5) {
			FAIL("the stop missed a sleep in %d rounds", round);
			break;
		}
}

static void test_sleep_eintr(void)
{
	for (int how = 0; how < 2; how++) {
		/* What the remainder says is checked against clocks that a
		 * loaded machine can stretch, so a round whose timing is off
		 * is run again; a wrong remainder is wrong in every round. */
		int round;
		for (round = 0; round < 5; round++) {
			struct timespec req = { 0, SLEEP_MS * 1000000L }, rem = { 7, 7 };
			arm(1, 50);
			long long start = now_ns();
			long r = how == 0 ? s_nanosleep((long)&req, (long)&rem, 0, 0, 0, 0)
					  : s_clock_nanosleep(CLOCK_MONOTONIC, 0, (long)&req,
							      (long)&rem, 0, 0);
			long long el = now_ns() - start;
			CHECK_EQ(r, -EINTR);
			CHECK_EQ(alarms, 1);
			CHECK_EQ(h_rax, -EINTR);
			CHECK_EQ(h_rip,
				 how == 0 ? (long)s_nanosleep_end : (long)s_clock_nanosleep_end);
			CHECK_EQ(rem.tv_sec, 0);
			long long left = rem.tv_nsec;
			CHECK_GT(left, 0);
			/* The alarm came 50 ms after arm(), so about 350 ms
			 * are left; and what is left and what was slept add
			 * up to the request. */
			if (left < SLEEP_MS * 1000000LL - 20000000LL &&
			    llabs(left + el - SLEEP_MS * 1000000LL) < 50000000LL)
				break;
			fprintf(stderr, "sleep kind %d round %d: %lld ns left after %lld ns\n", how,
				round, left, el);
		}
		if (round == 5)
			FAIL("sleep kind %d: the remainder was off in every round", how);
	}
}

static volatile int fword;

static void *waker(void *arg)
{
	(void)arg;
	usleep(120000);
	__atomic_store_n(&fword, 1, __ATOMIC_SEQ_CST);
	syscall(SYS_futex, &fword, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	return NULL;
}

static void test_futex(void)
{
	for (int i = 0; i < 1000; i++)
		if (s_futex((long)&fword, FUTEX_WAIT_PRIVATE, 1, 0, 0, 0) != -EAGAIN) {
			FAIL("warm-up futex %d", i);
			break;
		}

	fword = 0;
	/* SIGALRM is for the process: the waker is created with it blocked,
	 * so that it interrupts the wait and not the waker's sleep. */
	sigset_t alrm, old;
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	CHECK_EQ(pthread_sigmask(SIG_BLOCK, &alrm, &old), 0);
	pthread_t t;
	ASSERT_EQ(pthread_create(&t, NULL, waker, NULL), 0);
	CHECK_EQ(pthread_sigmask(SIG_SETMASK, &old, NULL), 0);
	arm(1, 30);
	long r;
	do
		r = s_futex((long)&fword, FUTEX_WAIT_PRIVATE, 0, 0, 0, 0);
	while (r == 0 && fword == 0); /* a spurious wakeup: wait again */
	CHECK_EQ(r, 0);
	CHECK_EQ(fword, 1);
	CHECK_EQ(alarms, 1);
	CHECK_EQ(h_rip, (long)s_futex_sc);
	CHECK_EQ(h_rax, SYS_futex);
	CHECK_EQ(pthread_join(t, NULL), 0);

	fword = 0;
	arm(0, 30);
	r = s_futex((long)&fword, FUTEX_WAIT_PRIVATE, 0, 0, 0, 0);
	CHECK_EQ(r, -EINTR);
	CHECK_EQ(h_rip, (long)s_futex_end);
	CHECK_EQ(h_rax, -EINTR);
}

int main(void)
{
	CHECK_SITE(s_read, SYS_read);
	CHECK_SITE(s_nanosleep, SYS_nanosleep);
	CHECK_SITE(s_clock_nanosleep, SYS_clock_nanosleep);
	CHECK_SITE(s_futex, SYS_futex);

	test_read();
	test_sleep_stopped();
	test_sleep_eintr();
	test_futex();
	return test_done();
}
