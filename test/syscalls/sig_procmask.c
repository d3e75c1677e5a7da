//go:build ignore

/*
 * rt_sigprocmask edge cases: SIGKILL and SIGSTOP are silently left out of
 * any mask, SIG_BLOCK/SIG_UNBLOCK/SIG_SETMASK combine as documented, a
 * NULL set ignores how, the old mask is written before the new one is
 * taken, errors (bad how, bad size, bad set) change nothing but a bad old
 * pointer fails after the change, masks are
 * per thread, and fork inherits the mask.
 */
#include "testutil.h"
#include <pthread.h>

static int has(const sigset_t *s, int sig) { return sigismember(s, sig); }

static sigset_t cur(void)
{
	sigset_t s;
	sigemptyset(&s);
	if (RAW(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &s, 8) != 0)
		FATAL("rt_sigprocmask read: errno %d", errno);
	return s;
}

static volatile int thr_usr1, thr_usr2;

static void *thread_fn(void *arg)
{
	(void)arg;
	/* A new thread starts with its creator's mask... */
	sigset_t s = cur();
	thr_usr1 = has(&s, SIGUSR1);
	/* ...and changes to its own do not touch the creator's. */
	sigset_t b;
	sigemptyset(&b);
	sigaddset(&b, SIGUSR2);
	RAW(SYS_rt_sigprocmask, SIG_BLOCK, &b, NULL, 8);
	s = cur();
	thr_usr2 = has(&s, SIGUSR2);
	return NULL;
}

int main(void)
{
	sigset_t all, none, s, old;
	sigfillset(&all);
	sigemptyset(&none);

	/* SIG_SETMASK with everything: all but SIGKILL and SIGSTOP. */
	CHECK_EQ(RAW(SYS_rt_sigprocmask, SIG_SETMASK, &all, NULL, 8), 0);
	s = cur();
	CHECK_EQ(has(&s, SIGKILL), 0);
	CHECK_EQ(has(&s, SIGSTOP), 0);
	CHECK_EQ(has(&s, SIGHUP), 1);
	CHECK_EQ(has(&s, SIGCONT), 1);
	CHECK_EQ(has(&s, SIGRTMAX), 1);
	/* Same through SIG_BLOCK of a set holding only SIGKILL and SIGSTOP. */
	CHECK_EQ(RAW(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, 8), 0);
	sigset_t ks;
	sigemptyset(&ks);
	sigaddset(&ks, SIGKILL);
	sigaddset(&ks, SIGSTOP);
	CHECK_EQ(RAW(SYS_rt_sigprocmask, SIG_BLOCK, &ks, NULL, 8), 0);
	s = cur();
	CHECK_EQ(has(&s, SIGKILL), 0);
	CHECK_EQ(has(&s, SIGSTOP), 0);
	/* The raw 64-bit word shows no bit at all. */
	uint64_t word = ~0ULL;
	CHECK_EQ(RAW(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &word, 8), 0);
	CHECK_EQ(word, 0);

	/* BLOCK adds, UNBLOCK removes, SETMASK replaces; old is the mask before. */
	sigset_t a, b;
	sigemptyset(&a);
	sigaddset(&a, SIGUSR1);
	sigaddset(&a, SIGRTMIN + 1);
	sigemptyset(&b);
	sigaddset(&b, SIGUSR2);
	CHECK_EQ(RAW(SYS_rt_sigprocmask, SIG_BLOCK, &a, &old, 8), 0);
	CHECK_EQ(has(&old, SIGUSR1), 0);
	CHECK_EQ(RAW(SYS_rt_sigprocmask, SIG_BLOCK, &b, &old, 8), 0);
	CHECK_EQ(has(&old, SIGUSR1), 1);
	CHECK_EQ(has(&old, SIGRTMIN + 1), 1);
	CHECK_EQ(has(&old, SIGUSR2), 0);
	CHECK_EQ(RAW(SYS_rt_sigprocmask, SIG_UNBLOCK, &a, &old, 8), 0);
	CHECK_EQ(has(&old, SIGUSR2), 1);
	s = cur();
	CHECK_EQ(has(&s, SIGUSR1), 0);
	CHECK_EQ(has(&s, SIGRTMIN + 1), 0);
	CHECK_EQ(has(&s, SIGUSR2), 1);
	/* Unblocking what is not blocked is fine. */
	CHECK_EQ(RAW(SYS_rt_sigprocmask, SIG_UNBLOCK, &a, NULL, 8), 0);
	/* The same buffer for set and old: old gets the previous mask. */
	word = 1ULL << (SIGHUP - 1);
	CHECK_EQ(RAW(SYS_rt_sigprocmask, SIG_SETMASK, &word, &word, 8), 0);
	CHECK_EQ(word, 1ULL << (SIGUSR2 - 1));
	s = cur();
	CHECK_EQ(has(&s, SIGHUP), 1);
	CHECK_EQ(has(&s, SIGUSR2), 0);

	/* With a NULL set, how is not looked at. */
	CHECK_EQ(RAW(SYS_rt_sigprocmask, 12345, NULL, &old, 8), 0);
	CHECK_EQ(has(&old, SIGHUP), 1);
	CHECK_EQ(RAW(SYS_rt_sigprocmask, 12345, NULL, NULL, 8), 0);

	/* Errors leave the mask alone. */
	CHECK_ERRNO(RAW(SYS_rt_sigprocmask, 3, &a, NULL, 8), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_rt_sigprocmask, -1, &a, NULL, 8), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_rt_sigprocmask, SIG_BLOCK, &a, NULL, 16), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &old, 0), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_rt_sigprocmask, SIG_BLOCK, &a, NULL, 7), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_rt_sigprocmask, SIG_BLOCK, (void *)1, NULL, 8), -1, EFAULT);
	s = cur();
	CHECK_EQ(has(&s, SIGUSR1), 0);
	CHECK_EQ(has(&s, SIGHUP), 1);
	/* A bad old-set pointer fails only after the new mask took effect. */
	CHECK_ERRNO(RAW(SYS_rt_sigprocmask, SIG_BLOCK, &a, (void *)1, 8), -1, EFAULT);
	s = cur();
	CHECK_EQ(has(&s, SIGUSR1), 1);

	/* Threads: inherit at creation, then independent. */
	CHECK_EQ(sigprocmask(SIG_SETMASK, &a, NULL), 0);
	pthread_t th;
	ASSERT_EQ(pthread_create(&th, NULL, thread_fn, NULL), 0);
	CHECK_EQ(pthread_join(th, NULL), 0);
	CHECK_EQ(thr_usr1, 1);
	CHECK_EQ(thr_usr2, 1);
	s = cur();
	CHECK_EQ(has(&s, SIGUSR2), 0);
	CHECK_EQ(has(&s, SIGUSR1), 1);

	/* fork: the child starts with the parent's mask. */
	pid_t pid = test_fork();
	if (pid == 0) {
		sigset_t c = cur();
		CHECK_EQ(has(&c, SIGUSR1), 1);
		CHECK_EQ(has(&c, SIGRTMIN + 1), 1);
		CHECK_EQ(has(&c, SIGUSR2), 0);
		child_exit();
	}
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	return test_done();
}
