//go:build ignore

/*
 * FUTEX_WAIT and signals (futex(2), signal(7)): a handler without
 * SA_RESTART interrupts a wait with EINTR; with SA_RESTART a wait with no
 * timeout is restarted (and later woken normally), but a wait with a
 * timeout is not (EINTR); a signal that is ignored or blocked does not
 * interrupt; a timed-out wait is ETIMEDOUT after at least its time.
 */
#include "testutil.h"
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>

static long futex(void *uaddr, int op, int val, const void *ts, void *uaddr2, int val3)
{
	return RAW(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

static volatile sig_atomic_t hits;
static void on_sig(int sig) { (void)sig; hits++; }

static void handle(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	if (sigaction(sig, &sa, NULL))
		FATAL("sigaction: errno %d", errno);
}

static int word;
static pthread_t main_thread;

/* poker sends sig to the main thread every ms until the main thread's
 * wait returned (so that a wait that starts late still gets one), or,
 * with wake_ms, sends it once and wakes word wake_ms later. */
struct poke {
	int sig, ms, wake_ms;
};
static volatile int waiting_done;
static void *poker(void *arg)
{
	struct poke *p = arg;
	if (p->wake_ms) {
		usleep(p->ms * 1000);
		pthread_kill(main_thread, p->sig);
		usleep(p->wake_ms * 1000);
		word = 1;
		futex(&word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
		return NULL;
	}
	while (!__atomic_load_n(&waiting_done, __ATOMIC_SEQ_CST)) {
		usleep(p->ms * 1000);
		if (!__atomic_load_n(&waiting_done, __ATOMIC_SEQ_CST))
			pthread_kill(main_thread, p->sig);
	}
	return NULL;
}

static long wait_poked(int sig, int ms, int wake_ms, const struct timespec *ts)
{
	pthread_t th;
	static struct poke p;
	p = (struct poke){sig, ms, wake_ms};
	word = 0;
	waiting_done = 0;
	if (pthread_create(&th, NULL, poker, &p))
		FATAL("pthread_create");
	long r = futex(&word, FUTEX_WAIT_PRIVATE, 0, ts, NULL, 0);
	int e = errno;
	__atomic_store_n(&waiting_done, 1, __ATOMIC_SEQ_CST);
	pthread_join(th, NULL);
	errno = e;
	return r;
}

int main(void)
{
	main_thread = pthread_self();
	struct timespec two = {2, 0};

	/* No SA_RESTART: EINTR, with or without a timeout. */
	handle(SIGUSR1, on_sig, 0);
	long long t0 = now_ns();
	CHECK_ERRNO(wait_poked(SIGUSR1, 30, 0, NULL), -1, EINTR);
	CHECK_GE(hits, 1);
	int before = hits;
	CHECK_ERRNO(wait_poked(SIGUSR1, 30, 0, &two), -1, EINTR);
	CHECK_GT(hits, before);
	CHECK_LT(now_ns() - t0, 1500 * 1000000LL);

	/* SA_RESTART: an untimed wait goes on after the handler and is
	 * woken later (0); a timed one is EINTR all the same. */
	handle(SIGUSR1, on_sig, SA_RESTART);
	before = hits;
	t0 = now_ns();
	CHECK_EQ(wait_poked(SIGUSR1, 30, 50, NULL), 0);
	CHECK_GE(now_ns() - t0, 70 * 1000000LL);
	CHECK_EQ(hits, before + 1);
	before = hits;
	t0 = now_ns();
	CHECK_ERRNO(wait_poked(SIGUSR1, 30, 0, &two), -1, EINTR);
	CHECK_LT(now_ns() - t0, 1500 * 1000000LL);
	CHECK_GT(hits, before);

	/* An ignored signal does not interrupt: the wait times out. */
	handle(SIGUSR2, SIG_IGN, 0);
	struct timespec short_ts = {0, 120 * 1000000L};
	t0 = now_ns();
	CHECK_ERRNO(wait_poked(SIGUSR2, 20, 0, &short_ts), -1, ETIMEDOUT);
	CHECK_GE(now_ns() - t0, 110 * 1000000LL);
	/* Nor does a blocked one, which is handled (once) after the wait. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	ASSERT_OK(sigprocmask(SIG_BLOCK, &set, NULL));
	before = hits;
	t0 = now_ns();
	CHECK_ERRNO(wait_poked(SIGUSR1, 20, 0, &short_ts), -1, ETIMEDOUT);
	CHECK_GE(now_ns() - t0, 110 * 1000000LL);
	CHECK_EQ(hits, before);
	/* On a loaded machine the poker may not have run before the wait
	 * timed out: the signal is pending then only if it was sent. */
	sigset_t pend;
	ASSERT_OK(sigpending(&pend));
	if (!sigismember(&pend, SIGUSR1))
		pthread_kill(pthread_self(), SIGUSR1);
	ASSERT_OK(sigprocmask(SIG_UNBLOCK, &set, NULL));
	CHECK_EQ(hits, before + 1);
	/* The default action of SIGCHLD (ignore) does not interrupt. */
	pid_t pid = test_fork();
	if (pid == 0)
		_exit(0);
	word = 0;
	t0 = now_ns();
	CHECK_ERRNO(futex(&word, FUTEX_WAIT_PRIVATE, 0, &short_ts, NULL, 0), -1, ETIMEDOUT);
	CHECK_GE(now_ns() - t0, 110 * 1000000LL);
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	return test_done();
}
