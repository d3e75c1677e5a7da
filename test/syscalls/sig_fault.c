//go:build ignore

/*
 * Synchronous faults and their siginfo: SIGSEGV with SEGV_MAPERR (nothing
 * mapped) or SEGV_ACCERR (mapped, not permitted) and si_addr the faulting
 * address; SIGBUS BUS_ADRERR past the end of a mapped file; SIGFPE
 * FPE_INTDIV for a division by zero, SIGILL ILL_ILLOPN for ud2 and SIGTRAP
 * for int3, each with si_addr/RIP where Linux puts them; a blocked or
 * ignored fault signal kills the process anyway.
 */
#include "testutil.h"
#include <fcntl.h>
#include <setjmp.h>
#include <sys/mman.h>
#include <ucontext.h>

static sigjmp_buf jb;
static volatile int f_sig, f_code;
static void *volatile f_addr;
static volatile unsigned long f_rip;

static void handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	f_sig = sig;
	f_code = si->si_code;
	f_addr = si->si_addr;
	f_rip = uc->uc_mcontext.gregs[REG_RIP];
	siglongjmp(jb, 1);
}

extern char ud2_at[], int3_after[], div_at[];

__attribute__((noinline)) static void do_ud2(void)
{
	__asm__ volatile(".globl ud2_at\nud2_at: ud2");
}

__attribute__((noinline)) static void do_int3(void)
{
	__asm__ volatile("int3\n.globl int3_after\nint3_after: nop");
}

__attribute__((noinline)) static int do_div(int a, int b)
{
	int q;
	__asm__ volatile("cltd\n.globl div_at\ndiv_at: idivl %2"
			 : "=a"(q)
			 : "a"(a), "r"(b)
			 : "edx");
	return q;
}

#define TRY(stmt) \
	(f_sig = 0, f_code = 0, f_addr = 0, sigsetjmp(jb, 1) == 0 ? ((stmt), 0) : f_sig)

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO;
	int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP };
	for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		CHECK_OK(sigaction(sigs[i], &sa, NULL));
	long pg = sysconf(_SC_PAGESIZE);

	/* MAPERR: an unmapped page. */
	char *m = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(m, MAP_FAILED);
	CHECK_OK(munmap(m + pg, pg));
	CHECK_EQ(TRY(*(volatile char *)(m + pg + 5) = 1), SIGSEGV);
	CHECK_EQ(f_code, SEGV_MAPERR);
	CHECK_EQ(f_addr, m + pg + 5);
	/* ACCERR: write to a read-only page, read of a PROT_NONE page. */
	CHECK_OK(mprotect(m, pg, PROT_READ));
	CHECK_EQ(TRY(*(volatile char *)(m + 17) = 1), SIGSEGV);
	CHECK_EQ(f_code, SEGV_ACCERR);
	CHECK_EQ(f_addr, m + 17);
	CHECK_OK(mprotect(m, pg, PROT_NONE));
	CHECK_EQ(TRY((void)*(volatile char *)(m + 3)), SIGSEGV);
	CHECK_EQ(f_code, SEGV_ACCERR);
	CHECK_EQ(f_addr, m + 3);
	/* NULL. */
	CHECK_EQ(TRY((void)*(volatile char *)0), SIGSEGV);
	CHECK_EQ(f_code, SEGV_MAPERR);
	CHECK_EQ(f_addr, NULL);
	CHECK_OK(munmap(m, pg));

	/* SIGBUS past the end of a file mapping. */
	char path[] = "/tmp/sig_fault_XXXXXX";
	int fd = mkstemp(path);
	ASSERT_OK(fd);
	unlink(path);
	CHECK_EQ(write(fd, "abc", 3), 3);
	char *f = mmap(NULL, 2 * pg, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(f, MAP_FAILED);
	CHECK_EQ(TRY((void)*(volatile char *)(f + 2)), 0);
	CHECK_EQ(TRY((void)*(volatile char *)(f + pg + 8)), SIGBUS);
	CHECK_EQ(f_code, BUS_ADRERR);
	CHECK_EQ(f_addr, f + pg + 8);
	CHECK_OK(munmap(f, 2 * pg));
	close(fd);

	/* SIGFPE: si_addr and RIP are the idiv. */
	volatile int zero = 0;
	CHECK_EQ(TRY(do_div(7, zero)), SIGFPE);
	CHECK_EQ(f_code, FPE_INTDIV);
	CHECK_EQ(f_addr, (void *)div_at);
	CHECK_EQ(f_rip, (unsigned long)div_at);
	/* SIGILL: ud2. */
	CHECK_EQ(TRY(do_ud2()), SIGILL);
	CHECK_EQ(f_code, ILL_ILLOPN);
	CHECK_EQ(f_addr, (void *)ud2_at);
	CHECK_EQ(f_rip, (unsigned long)ud2_at);
	/* SIGTRAP: int3 reports SI_KERNEL, RIP after the instruction. */
	CHECK_EQ(TRY(do_int3()), SIGTRAP);
	CHECK_EQ(f_code, SI_KERNEL);
	CHECK_EQ(f_rip, (unsigned long)int3_after);

	/* Blocked or ignored, a fault signal still kills. */
	int cases[][2] = { { SIGFPE, 0 }, { SIGFPE, 1 }, { SIGILL, 0 }, { SIGILL, 1 },
			   { SIGSEGV, 0 }, { SIGTRAP, 0 } };
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int sig = cases[i][0];
		pid_t pid = test_fork();
		if (pid == 0) {
			if (cases[i][1]) {
				signal(sig, SIG_IGN);
			} else {
				sigset_t b;
				sigemptyset(&b);
				sigaddset(&b, sig);
				sigprocmask(SIG_BLOCK, &b, NULL);
			}
			if (sig == SIGFPE)
				do_div(1, zero);
			else if (sig == SIGILL)
				do_ud2();
			else if (sig == SIGTRAP)
				do_int3();
			else
				*(volatile char *)8 = 0;
			_exit(9);
		}
		int st;
		CHECK_EQ(waitpid(pid, &st, 0), pid);
		CHECK_SIGNALED(st, sig);
	}
	/* A handled fault signal sent with kill is not a fault: it comes with
	 * SI_USER and the program goes on. */
	CHECK_EQ(TRY(kill(getpid(), SIGILL)), SIGILL);
	CHECK_EQ(f_code, SI_USER);
	return test_done();
}
