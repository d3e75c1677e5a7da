//go:build ignore

/*
 * SA_SIGINFO handlers and the ucontext: the handler sees the interrupted
 * RIP, can change registers and RIP (skipping a ud2), and the changes take
 * effect on sigreturn; the signal mask in uc_sigmask is restored.
 */
#include "testutil.h"
#include <signal.h>
#include <ucontext.h>

static volatile greg_t seen_rip, seen_rsp;
static volatile int seen_code;
static void *volatile seen_addr;
static volatile int handled;

static void ill_handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	(void)sig;
	seen_rip = uc->uc_mcontext.gregs[REG_RIP];
	seen_rsp = uc->uc_mcontext.gregs[REG_RSP];
	seen_code = si->si_code;
	seen_addr = si->si_addr;
	/* Skip the 2-byte ud2 and return 42 in RAX and 43 in RDX. */
	uc->uc_mcontext.gregs[REG_RIP] += 2;
	uc->uc_mcontext.gregs[REG_RAX] = 42;
	uc->uc_mcontext.gregs[REG_RDX] = 43;
	handled++;
}

static volatile greg_t usr_rip;
static volatile int usr_mask_has_usr2;
static void usr_handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	(void)sig;
	(void)si;
	usr_rip = uc->uc_mcontext.gregs[REG_RIP];
	/* uc_sigmask is the mask from before the handler: it had SIGUSR2. */
	usr_mask_has_usr2 = sigismember(&uc->uc_sigmask, SIGUSR2);
	/* Unblock SIGUSR2 for after the return, by editing uc_sigmask. */
	sigdelset(&uc->uc_sigmask, SIGUSR2);
	/* Block SIGHUP after the return. */
	sigaddset(&uc->uc_sigmask, SIGHUP);
	handled++;
}

static volatile greg_t segv_rip, segv_err, segv_trapno;
static void *volatile segv_addr;
extern char fault_here[], fault_after[];

static void segv_handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	(void)sig;
	segv_rip = uc->uc_mcontext.gregs[REG_RIP];
	segv_err = uc->uc_mcontext.gregs[REG_ERR];
	segv_trapno = uc->uc_mcontext.gregs[REG_TRAPNO];
	segv_addr = si->si_addr;
	/* Resume after the faulting instruction. */
	uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)fault_after;
	handled++;
}

extern char ud2_here[];

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = ill_handler;
	sa.sa_flags = SA_SIGINFO;
	CHECK_EQ(sigaction(SIGILL, &sa, NULL), 0);

	/* ud2 raises SIGILL (ILL_ILLOPN) at its own address; the handler moves
	 * RIP past it and sets rax and rdx. */
	long rax = 1, rdx = 2;
	uintptr_t sp;
	__asm__ volatile("mov %%rsp, %2\n\t"
			 ".globl ud2_here\n"
			 "ud2_here:\n\t"
			 "ud2\n\t"
			 : "+a"(rax), "+d"(rdx), "=r"(sp)
			 :
			 : "memory");
	CHECK_EQ(handled, 1);
	CHECK_EQ(rax, 42);
	CHECK_EQ(rdx, 43);
	CHECK_NE(seen_rip, 0);
	CHECK_EQ(seen_rip, (greg_t)(uintptr_t)ud2_here);
	CHECK_EQ(seen_addr, (void *)ud2_here);
	CHECK_EQ(seen_code, ILL_ILLOPN);
	CHECK_EQ(seen_rsp, (greg_t)sp);

	/* Twice in a row works the same (the handler's changes do not stick). */
	rax = 0;
	__asm__ volatile("ud2" : "+a"(rax) : : "rdx", "memory");
	CHECK_EQ(handled, 2);
	CHECK_EQ(rax, 42);

	/* An asynchronous signal: RIP is somewhere in our code, and the
	 * handler can change the mask that sigreturn restores. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = usr_handler;
	sa.sa_flags = SA_SIGINFO;
	CHECK_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	CHECK_EQ(sigprocmask(SIG_BLOCK, &s, NULL), 0);
	CHECK_EQ(raise(SIGUSR1), 0);
	CHECK_EQ(handled, 3);
	CHECK_NE(usr_rip, 0);
	CHECK_EQ(usr_mask_has_usr2, 1);
	sigset_t now;
	CHECK_EQ(sigprocmask(SIG_BLOCK, NULL, &now), 0);
	CHECK_EQ(sigismember(&now, SIGUSR2), 0);
	CHECK_EQ(sigismember(&now, SIGHUP), 1);
	CHECK_EQ(sigismember(&now, SIGUSR1), 0);

	/* A SIGSEGV handler sees the faulting address, the RIP of the access,
	 * trap 14 (page fault) and the error code (user write to a missing
	 * page: 0x6); it skips the instruction by resuming at a label. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = segv_handler;
	sa.sa_flags = SA_SIGINFO;
	CHECK_EQ(sigaction(SIGSEGV, &sa, NULL), 0);
	uintptr_t bad = 0x1000;
	__asm__ volatile(".globl fault_here\n"
			 "fault_here:\n\t"
			 "movb $1, (%0)\n\t"
			 ".globl fault_after\n"
			 "fault_after:\n\t"
			 :
			 : "r"(bad)
			 : "memory");
	CHECK_EQ(handled, 4);
	CHECK_EQ(segv_rip, (greg_t)(uintptr_t)fault_here);
	CHECK_EQ(segv_addr, (void *)bad);
	CHECK_EQ(segv_trapno, 14);
	CHECK_EQ(segv_err, 0x6);
	return test_done();
}
