//go:build ignore

/*
 * Floating-point and vector state across signal handlers: the handler
 * sees the interrupted XMM registers and MXCSR in its ucontext, may
 * clobber its own XMM/x87 state freely (the interrupted code gets its
 * values back at sigreturn), and a change it makes to the saved XMM
 * register in the ucontext takes effect; a nested signal inside a handler
 * keeps both levels' state. Checked with a signal from a syscall and with
 * one from a timer while the code spins.
 */
#include "testutil.h"
#include <sys/time.h>
#include <ucontext.h>

static volatile unsigned saw_xmm0_lo, saw_mxcsr;
static volatile int handled, nested, modify;

static void clobber(void)
{
	__asm__ volatile("pcmpeqd %%xmm0, %%xmm0\n\t"
			 "pcmpeqd %%xmm1, %%xmm1\n\t"
			 "pxor %%xmm3, %%xmm3\n\t"
			 "pxor %%xmm7, %%xmm7\n\t" ::: "xmm0", "xmm1", "xmm3", "xmm7");
	unsigned m = 0x1f80 | 0x6000; /* round toward zero */
	__asm__ volatile("ldmxcsr %0" ::"m"(m));
	volatile double d = 1.0;
	for (int i = 0; i < 10; i++)
		d = d * 3.7 + 1.1;
}

static void handler(int sig, siginfo_t *si, void *ucv)
{
	(void)si;
	ucontext_t *uc = ucv;
	if (sig == SIGUSR1) {
		saw_xmm0_lo = uc->uc_mcontext.fpregs->_xmm[0].element[0];
		saw_mxcsr = uc->uc_mcontext.fpregs->mxcsr;
		if (modify)
			uc->uc_mcontext.fpregs->_xmm[0].element[0] = 0xabcdef01;
		clobber();
		if (nested == 1) {
			/* A nested signal: its frame saves our clobbered state. */
			nested = 2;
			long nr = SYS_tgkill, pid = getpid(), tid = RAW(SYS_gettid), s2 = SIGUSR2;
			unsigned lo;
			__asm__ volatile("pcmpeqd %%xmm0, %%xmm0\n\t"
					 "mov %1, %%rax\n\t"
					 "mov %2, %%rdi\n\t"
					 "mov %3, %%rsi\n\t"
					 "mov %4, %%rdx\n\t"
					 "syscall\n\t"
					 "movd %%xmm0, %0"
					 : "=&r"(lo)
					 : "r"(nr), "r"(pid), "r"(tid), "r"(s2)
					 : "rax", "rdi", "rsi", "rdx", "rcx", "r11", "xmm0", "memory");
			if (lo != 0xffffffffu)
				nested = -1;
		}
		handled++;
	} else {
		__asm__ volatile("pxor %%xmm0, %%xmm0" ::: "xmm0");
	}
}

/* Put v in xmm0 and xmm7, send SIGUSR1 to ourselves with a raw syscall
 * (no libc in between), and read xmm0/xmm7 and MXCSR back. */
static void roundtrip(unsigned v, unsigned *x0, unsigned *x7, unsigned *mxcsr)
{
	long nr = SYS_tgkill, pid = getpid(), tid = RAW(SYS_gettid), sig = SIGUSR1;
	unsigned a, b, m;
	__asm__ volatile("movd %3, %%xmm0\n\t"
			 "movd %3, %%xmm7\n\t"
			 "mov %4, %%rax\n\t"
			 "mov %5, %%rdi\n\t"
			 "mov %6, %%rsi\n\t"
			 "mov %7, %%rdx\n\t"
			 "syscall\n\t"
			 "movd %%xmm0, %0\n\t"
			 "movd %%xmm7, %1\n\t"
			 "stmxcsr %2"
			 : "=&r"(a), "=&r"(b), "=m"(m)
			 : "r"(v), "r"(nr), "r"(pid), "r"(tid), "r"(sig)
			 : "rax", "rdi", "rsi", "rdx", "rcx", "r11", "xmm0", "xmm7", "memory");
	*x0 = a;
	*x7 = b;
	*mxcsr = m;
}

/* The same with the upper half of ymm2 (AVX state beyond SSE). */
__attribute__((target("avx"))) static void avx_handler(int sig)
{
	(void)sig;
	__asm__ volatile("vpcmpeqd %%ymm2, %%ymm2, %%ymm2" ::: "xmm2");
}

__attribute__((target("avx"))) static unsigned long long avx_roundtrip(void)
{
	static const unsigned long long in[4] = { 1, 2, 0x3333333344444444ULL, 0x5555555566666666ULL };
	unsigned long long out[4];
	long nr = SYS_tgkill, pid = getpid(), tid = RAW(SYS_gettid), sig = SIGWINCH;
	__asm__ volatile("vmovdqu (%1), %%ymm2\n\t"
			 "mov %2, %%rax\n\t"
			 "mov %3, %%rdi\n\t"
			 "mov %4, %%rsi\n\t"
			 "mov %5, %%rdx\n\t"
			 "syscall\n\t"
			 "vmovdqu %%ymm2, (%0)\n\t"
			 "vzeroupper"
			 :
			 : "r"(out), "r"(in), "r"(nr), "r"(pid), "r"(tid), "r"(sig)
			 : "rax", "rdi", "rsi", "rdx", "rcx", "r11", "xmm2", "memory");
	return out[0] == 1 && out[1] == 2 && out[2] == in[2] ? out[3] : 0;
}

static volatile int ticks;
static void on_alrm(int sig)
{
	(void)sig;
	clobber();
	ticks++;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO;
	CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
	CHECK_OK(sigaction(SIGUSR2, &sa, NULL));
	unsigned x0, x7, m;

	unsigned m0;
	__asm__ volatile("stmxcsr %0" : "=m"(m0));
	roundtrip(0x12345678, &x0, &x7, &m);
	CHECK_EQ(handled, 1);
	CHECK_EQ(saw_xmm0_lo, 0x12345678);
	CHECK_EQ(saw_mxcsr, m0);
	CHECK_EQ(x0, 0x12345678);
	CHECK_EQ(x7, 0x12345678);
	CHECK_EQ(m, m0);

	/* The handler's change to the saved xmm0 sticks. */
	modify = 1;
	roundtrip(0x11111111, &x0, &x7, &m);
	CHECK_EQ(x0, 0xabcdef01);
	CHECK_EQ(x7, 0x11111111);
	modify = 0;

	/* Nested. */
	nested = 1;
	roundtrip(0x22222222, &x0, &x7, &m);
	CHECK_EQ(nested, 2);
	CHECK_EQ(x0, 0x22222222);
	CHECK_EQ(m, m0);

	/* AVX: the upper half of a ymm register survives a handler that
	 * clobbers it. */
	if (__builtin_cpu_supports("avx")) {
		signal(SIGWINCH, avx_handler);
		CHECK_EQ(avx_roundtrip(), 0x5555555566666666ULL);
	}

	/* Asynchronous: a timer interrupts a loop that keeps a value in xmm
	 * registers and checks it. */
	signal(SIGALRM, on_alrm);
	struct itimerval itv = { { 0, 2000 }, { 0, 2000 } };
	CHECK_OK(setitimer(ITIMER_REAL, &itv, NULL));
	long long t0 = now_ns();
	int bad = 0;
	while (ticks < 20 && now_ns() - t0 < 10000000000LL) {
		unsigned out;
		__asm__ volatile("movd %1, %%xmm3\n\t"
				 "mov $200000, %%ecx\n"
				 "1: dec %%ecx\n\t"
				 "jnz 1b\n\t"
				 "movd %%xmm3, %0"
				 : "=r"(out)
				 : "r"(0x5a5a5a5au)
				 : "ecx", "xmm3");
		if (out != 0x5a5a5a5au)
			bad++;
	}
	memset(&itv, 0, sizeof(itv));
	CHECK_OK(setitimer(ITIMER_REAL, &itv, NULL));
	CHECK_GE(ticks, 20);
	CHECK_EQ(bad, 0);
	return test_done();
}
