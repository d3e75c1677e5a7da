//go:build ignore

/*
 * sigaltstack: a handler with SA_ONSTACK runs on the alternate stack (its
 * locals are inside it) and sees SS_ONSTACK; one without runs on the normal
 * stack; a stack overflow is handled on the alternate stack; errors.
 */
#include "testutil.h"
#include <signal.h>
#include <sys/mman.h>

#define ALT_SIZE (64 * 1024)

static char *alt;
static volatile int on_alt, flags_in_handler, ran;
static volatile uintptr_t local_addr;
static volatile int set_in_handler_errno;

static void handler(int sig)
{
	(void)sig;
	volatile char local = 0;
	local_addr = (uintptr_t)&local;
	on_alt = local_addr >= (uintptr_t)alt && local_addr < (uintptr_t)alt + ALT_SIZE;
	stack_t cur;
	if (sigaltstack(NULL, &cur) == 0)
		flags_in_handler = cur.ss_flags;
	/* Changing the stack while on it: EPERM. */
	stack_t ss = { .ss_sp = alt, .ss_size = ALT_SIZE, .ss_flags = 0 };
	set_in_handler_errno = sigaltstack(&ss, NULL) == 0 ? 0 : errno;
	ran++;
}

static volatile int depth, max_depth = 1 << 30;
static void segv_handler(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	(void)uc;
	volatile char local = 0;
	uintptr_t a = (uintptr_t)&local;
	/* Report and leave the process: the overflowed stack cannot be returned to. */
	_exit(sig == SIGSEGV && a >= (uintptr_t)alt && a < (uintptr_t)alt + ALT_SIZE ? 42 : 43);
}

__attribute__((noinline)) static int recurse(int n)
{
	volatile char pad[1024];
	pad[0] = (char)n;
	depth++;
	if (n >= max_depth)
		return pad[0];
	return recurse(n + 1) + pad[0];
}

int main(void)
{
	stack_t ss, old;

	/* Initially disabled. */
	CHECK_EQ(sigaltstack(NULL, &old), 0);
	CHECK_EQ(old.ss_flags, SS_DISABLE);

	alt = mmap(NULL, ALT_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(alt, MAP_FAILED);
	ss.ss_sp = alt;
	ss.ss_size = ALT_SIZE;
	ss.ss_flags = 0;
	CHECK_EQ(RAW(SYS_sigaltstack, &ss, &old), 0);
	CHECK_EQ(old.ss_flags, SS_DISABLE);
	/* Reading it back. */
	CHECK_EQ(sigaltstack(NULL, &old), 0);
	CHECK_EQ(old.ss_sp, alt);
	CHECK_EQ(old.ss_size, ALT_SIZE);
	CHECK_EQ(old.ss_flags, 0);

	/* SA_ONSTACK: the handler runs on the alternate stack. */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sa.sa_flags = SA_ONSTACK;
	CHECK_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
	CHECK_EQ(raise(SIGUSR1), 0);
	CHECK_EQ(ran, 1);
	CHECK_EQ(on_alt, 1);
	CHECK_EQ(flags_in_handler, SS_ONSTACK);
	CHECK_EQ(set_in_handler_errno, EPERM);
	/* Outside the handler: not on it. */
	CHECK_EQ(sigaltstack(NULL, &old), 0);
	CHECK_EQ(old.ss_flags, 0);
	volatile char here;
	CHECK(!((uintptr_t)&here >= (uintptr_t)alt && (uintptr_t)&here < (uintptr_t)alt + ALT_SIZE));

	/* Without SA_ONSTACK: the normal stack, and ss_flags 0 inside. */
	sa.sa_flags = 0;
	CHECK_EQ(sigaction(SIGUSR2, &sa, NULL), 0);
	CHECK_EQ(raise(SIGUSR2), 0);
	CHECK_EQ(ran, 2);
	CHECK_EQ(on_alt, 0);
	CHECK_EQ(flags_in_handler, 0);
	CHECK_EQ(set_in_handler_errno, 0);

	/* A stack overflow in a child is caught on the alternate stack. */
	pid_t pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct rlimit { unsigned long cur, max; } rl = { 8 << 20, 8 << 20 };
		RAW(SYS_setrlimit, 3 /* RLIMIT_STACK */, &rl);
		struct sigaction s2;
		memset(&s2, 0, sizeof(s2));
		s2.sa_sigaction = segv_handler;
		s2.sa_flags = SA_ONSTACK | SA_SIGINFO;
		sigaction(SIGSEGV, &s2, NULL);
		recurse(0);
		_exit(44);
	}
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_EXITED(st, 42);

	/* SS_DISABLE turns it off; a later SA_ONSTACK handler uses the normal stack. */
	ss.ss_flags = SS_DISABLE;
	CHECK_EQ(sigaltstack(&ss, NULL), 0);
	CHECK_EQ(sigaltstack(NULL, &old), 0);
	CHECK_EQ(old.ss_flags, SS_DISABLE);
	sa.sa_flags = SA_ONSTACK;
	CHECK_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
	CHECK_EQ(raise(SIGUSR1), 0);
	CHECK_EQ(ran, 3);
	CHECK_EQ(on_alt, 0);
	CHECK_EQ(flags_in_handler, SS_DISABLE);

	/* Errors: too small, bad flags, bad pointer. */
	ss.ss_sp = alt;
	/* The kernel's minimum is its MINSIGSTKSZ, 2048 on x86 (glibc's
	 * MINSIGSTKSZ macro is larger and dynamic under _GNU_SOURCE). */
	ss.ss_size = 2047;
	ss.ss_flags = 0;
	CHECK_ERRNO(RAW(SYS_sigaltstack, &ss, NULL), -1, ENOMEM);
	ss.ss_size = 0;
	CHECK_ERRNO(RAW(SYS_sigaltstack, &ss, NULL), -1, ENOMEM);
	ss.ss_size = 2048;
	CHECK_EQ(RAW(SYS_sigaltstack, &ss, NULL), 0);
	/* With SS_DISABLE the size does not matter. */
	ss.ss_size = 0;
	ss.ss_flags = SS_DISABLE;
	CHECK_EQ(RAW(SYS_sigaltstack, &ss, NULL), 0);
	ss.ss_size = ALT_SIZE;
	ss.ss_flags = 0x10;
	CHECK_ERRNO(RAW(SYS_sigaltstack, &ss, NULL), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_sigaltstack, (void *)8, NULL), -1, EFAULT);
	return test_done();
}
