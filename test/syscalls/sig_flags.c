//go:build ignore

/*
 * sigaction flags: SA_NODEFER lets a handler be re-entered by its own
 * signal, without it the signal waits until the handler returns;
 * SA_RESETHAND resets to SIG_DFL before the handler runs (a second raise
 * inside the handler takes the default action) and does not imply
 * SA_NODEFER in what is read back; a handler without SA_SIGINFO still
 * works; sa_mask blocks during the handler only; flags read back as set,
 * with bits the kernel does not know (SA_UNSUPPORTED) cleared.
 */
#include "testutil.h"

#ifndef SA_UNSUPPORTED
#define SA_UNSUPPORTED 0x00000400
#endif

static volatile int depth, max_depth, calls;

static void reenter(int sig)
{
	calls++;
	depth++;
	if (depth > max_depth)
		max_depth = depth;
	if (calls == 1)
		raise(sig); /* delivered now with SA_NODEFER, after return without */
	depth--;
}

static volatile int reset_calls, reset_seen_dfl;
static void reset_handler(int sig)
{
	reset_calls++;
	struct sigaction cur;
	sigaction(sig, NULL, &cur);
	reset_seen_dfl = cur.sa_handler == SIG_DFL;
}

static volatile int plain_sig;
static void plain(int sig) { plain_sig = sig; }

int main(void)
{
	struct sigaction sa, got;

	/* Without SA_NODEFER: the nested raise is held until return. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = reenter;
	CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
	CHECK_OK(raise(SIGUSR1));
	CHECK_EQ(calls, 2);
	CHECK_EQ(max_depth, 1);
	/* With SA_NODEFER: nested. */
	calls = max_depth = 0;
	sa.sa_flags = SA_NODEFER;
	CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
	CHECK_OK(raise(SIGUSR1));
	CHECK_EQ(calls, 2);
	CHECK_EQ(max_depth, 2);
	CHECK_OK(sigaction(SIGUSR1, NULL, &got));
	CHECK_EQ(got.sa_flags & (SA_NODEFER | SA_RESETHAND | SA_SIGINFO), SA_NODEFER);

	/* SA_RESETHAND: the action is SIG_DFL already inside the handler. */
	sa.sa_handler = reset_handler;
	sa.sa_flags = SA_RESETHAND;
	CHECK_OK(sigaction(SIGUSR2, &sa, NULL));
	CHECK_OK(sigaction(SIGUSR2, NULL, &got));
	CHECK_EQ(got.sa_flags & (SA_NODEFER | SA_RESETHAND), SA_RESETHAND);
	CHECK_OK(raise(SIGUSR2));
	CHECK_EQ(reset_calls, 1);
	CHECK_EQ(reset_seen_dfl, 1);
	CHECK_OK(sigaction(SIGUSR2, NULL, &got));
	CHECK_EQ(got.sa_handler, SIG_DFL);
	/* Only the handler is reset: the flags and mask stay. */
	CHECK_EQ(got.sa_flags & SA_RESETHAND, SA_RESETHAND);
	/* The second one takes the default action: a child dies of it. */
	pid_t pid = test_fork();
	if (pid == 0) {
		CHECK_OK(sigaction(SIGUSR2, &sa, NULL));
		raise(SIGUSR2);
		raise(SIGUSR2);
		_exit(7);
	}
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_SIGNALED(st, SIGUSR2);

	/* sa_mask: blocked during the handler only. */
	sa.sa_handler = plain;
	sa.sa_flags = 0;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGWINCH);
	CHECK_OK(sigaction(SIGHUP, &sa, NULL));
	signal(SIGWINCH, plain);
	CHECK_OK(raise(SIGHUP));
	CHECK_EQ(plain_sig, SIGHUP);
	sigset_t m;
	CHECK_OK(sigprocmask(SIG_BLOCK, NULL, &m));
	CHECK_EQ(sigismember(&m, SIGWINCH), 0);
	CHECK_EQ(sigismember(&m, SIGHUP), 0);
	/* SIGKILL and SIGSTOP in sa_mask are dropped when read back. */
	sigaddset(&sa.sa_mask, SIGKILL);
	sigaddset(&sa.sa_mask, SIGSTOP);
	CHECK_OK(sigaction(SIGHUP, &sa, NULL));
	CHECK_OK(sigaction(SIGHUP, NULL, &got));
	CHECK_EQ(sigismember(&got.sa_mask, SIGKILL), 0);
	CHECK_EQ(sigismember(&got.sa_mask, SIGSTOP), 0);
	CHECK_EQ(sigismember(&got.sa_mask, SIGWINCH), 1);

	/* Flags read back as set; unknown bits are dropped (Linux 5.11+). */
	sa.sa_flags = SA_RESTART | SA_ONSTACK | SA_UNSUPPORTED;
	CHECK_OK(sigaction(SIGHUP, &sa, NULL));
	CHECK_OK(sigaction(SIGHUP, NULL, &got));
	CHECK_EQ(got.sa_flags & (SA_RESTART | SA_ONSTACK | SA_UNSUPPORTED | SA_NODEFER),
		 SA_RESTART | SA_ONSTACK);
	/* Setting SIGHUP again returns the previous action in oldact. */
	sa.sa_flags = 0;
	sa.sa_handler = SIG_IGN;
	CHECK_OK(sigaction(SIGHUP, &sa, &got));
	CHECK_EQ(got.sa_handler, plain);
	CHECK(got.sa_flags & SA_RESTART);
	CHECK_OK(sigaction(SIGHUP, NULL, &got));
	CHECK_EQ(got.sa_handler, SIG_IGN);
	return test_done();
}
