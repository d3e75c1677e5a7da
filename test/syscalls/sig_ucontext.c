//go:build ignore

/*
 * What a handler changes in its ucontext takes effect at sigreturn: the
 * signal mask (uc_sigmask), a register used by the interrupted code, and a
 * faulting address register fixed up so that the faulting instruction
 * succeeds when it is restarted. Also, a mask change made with
 * sigprocmask inside the handler is undone at sigreturn.
 */
#include "testutil.h"
#include <sys/mman.h>
#include <ucontext.h>

static void block_usr2(int sig, siginfo_t *si, void *ucv)
{
	(void)sig;
	(void)si;
	ucontext_t *uc = ucv;
	sigaddset(&uc->uc_sigmask, SIGUSR2);
	sigdelset(&uc->uc_sigmask, SIGHUP);
}

static void mask_in_handler(int sig)
{
	(void)sig;
	sigset_t b;
	sigemptyset(&b);
	sigaddset(&b, SIGWINCH);
	sigprocmask(SIG_BLOCK, &b, NULL); /* lost at sigreturn */
}

static char *good_page;
static volatile int fixups;

/* The faulting load reads through %rbx; point it at good_page. */
static void fixup(int sig, siginfo_t *si, void *ucv)
{
	(void)sig;
	(void)si;
	ucontext_t *uc = ucv;
	uc->uc_mcontext.gregs[REG_RBX] = (greg_t)good_page;
	fixups++;
}

static volatile int r12_set;
static void set_r12(int sig, siginfo_t *si, void *ucv)
{
	(void)sig;
	(void)si;
	ucontext_t *uc = ucv;
	uc->uc_mcontext.gregs[REG_R12] = 0x1234567890abcdefLL;
	r12_set = 1;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_flags = SA_SIGINFO;

	/* uc_sigmask edits become the mask after the handler. */
	sa.sa_sigaction = block_usr2;
	CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
	sigset_t b, m;
	sigemptyset(&b);
	sigaddset(&b, SIGHUP);
	CHECK_OK(sigprocmask(SIG_SETMASK, &b, NULL));
	CHECK_OK(raise(SIGUSR1));
	CHECK_OK(sigprocmask(SIG_BLOCK, NULL, &m));
	CHECK_EQ(sigismember(&m, SIGUSR2), 1);
	CHECK_EQ(sigismember(&m, SIGHUP), 0);
	CHECK_EQ(sigismember(&m, SIGUSR1), 0);
	/* SIGKILL/SIGSTOP put in uc_sigmask are dropped too. */
	CHECK_OK(sigprocmask(SIG_SETMASK, NULL, NULL));

	/* sigprocmask inside a handler lasts only until sigreturn. */
	signal(SIGUSR1, mask_in_handler);
	sigemptyset(&b);
	CHECK_OK(sigprocmask(SIG_SETMASK, &b, NULL));
	CHECK_OK(raise(SIGUSR1));
	CHECK_OK(sigprocmask(SIG_BLOCK, NULL, &m));
	CHECK_EQ(sigismember(&m, SIGWINCH), 0);

	/* A fault fixed up by the handler: the load is retried and works. */
	long pg = sysconf(_SC_PAGESIZE);
	good_page = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(good_page, MAP_FAILED);
	good_page[0] = 42;
	char *bad = mmap(NULL, pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(bad, MAP_FAILED);
	sa.sa_sigaction = fixup;
	CHECK_OK(sigaction(SIGSEGV, &sa, NULL));
	long val;
	__asm__ volatile("mov %1, %%rbx\n\tmovzbq (%%rbx), %0" : "=r"(val) : "r"(bad) : "rbx", "memory");
	CHECK_EQ(val, 42);
	CHECK_EQ(fixups, 1);

	/* A register of interrupted code: r12 is changed across a signal sent
	 * by a syscall made with r12 holding a known value. */
	sa.sa_sigaction = set_r12;
	CHECK_OK(sigaction(SIGUSR2, &sa, NULL));
	CHECK_OK(sigprocmask(SIG_SETMASK, &b, NULL));
	long r12_after;
	long nr = SYS_tgkill, pid = getpid(), tid = RAW(SYS_gettid), sig = SIGUSR2;
	__asm__ volatile("mov $1, %%r12\n\t"
			 "mov %1, %%rax\n\t"
			 "mov %2, %%rdi\n\t"
			 "mov %3, %%rsi\n\t"
			 "mov %4, %%rdx\n\t"
			 "syscall\n\t"
			 "mov %%r12, %0"
			 : "=r"(r12_after)
			 : "r"(nr), "r"(pid), "r"(tid), "r"(sig)
			 : "rax", "rdi", "rsi", "rdx", "rcx", "r11", "r12", "memory");
	CHECK_EQ(r12_set, 1);
	CHECK_EQ(r12_after, 0x1234567890abcdefLL);
	return test_done();
}
