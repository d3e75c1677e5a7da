//go:build ignore

/*
 * Alternate signal stacks beyond the basics (see sigaltstack): SS_AUTODISARM
 * disarms the stack while a handler runs on it (the handler sees
 * SS_DISABLE, may install another, and the old one is back at sigreturn);
 * a nested signal during such a handler goes on below it (not from the
 * top of the alternate stack again); a fork
 * child keeps the parent's alternate stack, a new thread starts without
 * one; sizes below MINSIGSTKSZ are ENOMEM, unknown flags EINVAL.
 */
#include "testutil.h"
#include <pthread.h>

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif

#define ALT_SIZE (64 * 1024)
static char alt[ALT_SIZE] __attribute__((aligned(16)));

static int on_alt(void *p) { return (char *)p >= alt && (char *)p < alt + ALT_SIZE; }

static volatile int in_flags = -1, nested_on_alt = -1, outer_on_alt = -1;
static volatile uintptr_t outer_sp, nested_sp;

static void nested(int sig)
{
	(void)sig;
	char here;
	nested_on_alt = on_alt(&here);
	nested_sp = (uintptr_t)&here;
}

static void outer(int sig)
{
	(void)sig;
	char here;
	outer_on_alt = on_alt(&here);
	outer_sp = (uintptr_t)&here;
	stack_t cur;
	sigaltstack(NULL, &cur);
	in_flags = cur.ss_flags;
	raise(SIGUSR2); /* SA_ONSTACK too, but the stack is disarmed */
}

static void *thread_fn(void *arg)
{
	(void)arg;
	stack_t cur;
	sigaltstack(NULL, &cur);
	return (void *)(long)cur.ss_flags;
}

int main(void)
{
	stack_t ss, old;
	ss.ss_sp = alt;
	ss.ss_size = ALT_SIZE;
	ss.ss_flags = SS_AUTODISARM;
	CHECK_OK(sigaltstack(&ss, NULL));
	CHECK_OK(sigaltstack(NULL, &old));
	CHECK_EQ(old.ss_flags, (int)SS_AUTODISARM);
	CHECK_EQ(old.ss_sp, alt);

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_flags = SA_ONSTACK;
	sa.sa_handler = outer;
	CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
	sa.sa_handler = nested;
	CHECK_OK(sigaction(SIGUSR2, &sa, NULL));
	CHECK_OK(raise(SIGUSR1));
	CHECK_EQ(outer_on_alt, 1);
	CHECK_EQ(in_flags, SS_DISABLE);
	/* The nested handler did not start again at the top of the
	 * alternate stack: it went on below the outer one's frame. */
	CHECK_EQ(nested_on_alt, 1);
	CHECK_LT(nested_sp, outer_sp);
	/* Back after sigreturn. */
	CHECK_OK(sigaltstack(NULL, &old));
	CHECK_EQ(old.ss_flags, (int)SS_AUTODISARM);
	CHECK_EQ(old.ss_sp, alt);
	CHECK_EQ(old.ss_size, ALT_SIZE);

	/* fork keeps it; a thread starts without. */
	pid_t pid = test_fork();
	if (pid == 0) {
		stack_t c;
		CHECK_OK(sigaltstack(NULL, &c));
		CHECK_EQ(c.ss_sp, alt);
		CHECK_EQ(c.ss_flags, (int)SS_AUTODISARM);
		child_exit();
	}
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	pthread_t th;
	ASSERT_EQ(pthread_create(&th, NULL, thread_fn, NULL), 0);
	void *ret;
	CHECK_EQ(pthread_join(th, &ret), 0);
	CHECK_EQ((long)ret, SS_DISABLE);

	/* Errors. */
	ss.ss_flags = 0;
	ss.ss_size = 1024;
	CHECK_ERRNO(sigaltstack(&ss, NULL), -1, ENOMEM);
	ss.ss_size = ALT_SIZE;
	ss.ss_flags = 0x10;
	CHECK_ERRNO(sigaltstack(&ss, NULL), -1, EINVAL);
	ss.ss_flags = SS_ONSTACK; /* accepted as 0, for old programs */
	CHECK_OK(sigaltstack(&ss, NULL));
	CHECK_OK(sigaltstack(NULL, &old));
	CHECK_EQ(old.ss_flags, 0);
	/* Disabling ignores the other fields. */
	ss.ss_flags = SS_DISABLE;
	ss.ss_size = 0;
	CHECK_OK(sigaltstack(&ss, NULL));
	CHECK_OK(sigaltstack(NULL, &old));
	CHECK_EQ(old.ss_flags, SS_DISABLE);
	return test_done();
}
