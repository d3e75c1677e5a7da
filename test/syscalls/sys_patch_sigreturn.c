//go:build ignore

/*
 * Signal frames around "mov $NR, %eax; syscall" sites (see syspatch.h),
 * each case repeated many times so that a platform that patches the
 * sites runs them patched. The signal is sent by the site's own tgkill,
 * so it is delivered as the call returns: the handler sees rip just
 * after the syscall instruction and rax = 0, and what it changes in the
 * ucontext takes effect at sigreturn:
 *  - rax (the call's result), r12, and rip moved past the next
 *    instruction;
 *  - rip moved back to the site's mov: the call is made again;
 *  - rip moved back to the syscall instruction with another number in
 *    rax: that call is made (getpid), not the site's;
 * a handler makes calls from the same sites, including a nested tgkill;
 * and a handler on a sigaltstack sees SS_ONSTACK and runs on it.
 */
#include "syspatch.h"
#include <ucontext.h>

SITE(s_tgkill, SYS_tgkill)
SITE(s_getpid, SYS_getpid)
SITE(s_gettid, SYS_gettid)
SITE(s_sigaltstack, SYS_sigaltstack)

/*
 * skip_call(out): tgkill(pid, tid, sig) from a site, then "mov $1, %ebx"
 * (5 bytes) which a handler may skip; out[0] = rax, out[1] = rbx,
 * out[2] = r12. rbx and r12 are 0 before the call.
 */
extern char skip_site[], skip_end[], skip_after[];
long skip_call(long pid, long tid, long sig, long *out);
__asm__(".text\n.p2align 4\n.type skip_call,@function\nskip_call:\n"
	"push %rbx\npush %r12\n"
	"mov %rcx, %r10\n"
	"xor %ebx, %ebx\nxor %r12d, %r12d\n"
	"nop\nskip_site:\n\tmov $" SP_STR(SYS_tgkill) ", %eax\n\tsyscall\n"
	"skip_end:\n\tmov $1, %ebx\n"
	"skip_after:\n"
	"mov %rax, (%r10)\nmov %rbx, 8(%r10)\nmov %r12, 16(%r10)\n"
	"pop %r12\npop %rbx\nret\n.size skip_call, .-skip_call\n");

enum { M_LOOK, M_RAX, M_SKIP, M_REDO, M_OTHER, M_NESTED, M_ALT };
static volatile int mode, once, hits, bad, usr2;
static volatile long h_rip, h_rax;
static pid_t pid, tid;
static char *alt;
#define ALTSZ (64 * 1024)

static void on_usr2(int sig)
{
	(void)sig;
	usr2++;
}

static void on_usr1(int sig, siginfo_t *si, void *ucv)
{
	(void)sig;
	(void)si;
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;
	hits++;
	h_rip = g[REG_RIP];
	h_rax = g[REG_RAX];
	switch (mode) {
	case M_RAX:
		g[REG_RAX] = 777;
		break;
	case M_SKIP:
		if (g[REG_RIP] == (greg_t)skip_end) {
			g[REG_RIP] = (greg_t)skip_after;
			g[REG_R12] = 0xabc;
		}
		break;
	case M_REDO:
		if (once) {
			once = 0;
			g[REG_RIP] = (greg_t)s_tgkill_site;
		}
		break;
	case M_OTHER:
		if (once) {
			once = 0;
			g[REG_RIP] = (greg_t)s_tgkill_sc;
			g[REG_RAX] = SYS_getpid;
		}
		break;
	case M_NESTED:
		if (s_getpid(0, 0, 0, 0, 0, 0) != pid || s_gettid(0, 0, 0, 0, 0, 0) != tid ||
		    s_tgkill(pid, tid, SIGUSR2, 0, 0, 0) != 0)
			bad++;
		break;
	case M_ALT: {
		char here;
		stack_t ss;
		if ((char *)&here < alt || (char *)&here >= alt + ALTSZ)
			bad++;
		if (s_sigaltstack(0, (long)&ss, 0, 0, 0, 0) != 0 || ss.ss_flags != SS_ONSTACK ||
		    ss.ss_sp != alt)
			bad++;
		if (s_gettid(0, 0, 0, 0, 0, 0) != tid)
			bad++;
		break;
	}
	}
}

#define N 500

/* RUN(m, body): body (a call and its checks) N times in mode m. */
#define RUN(m, ...)                                                            \
	do {                                                                   \
		mode = (m);                                                    \
		for (int i = 0; i < N; i++) {                                  \
			hits = 0;                                              \
			once = 1;                                              \
			__VA_ARGS__;                                           \
			if (tu_failures)                                       \
				break;                                         \
		}                                                              \
	} while (0)

int main(void)
{
	pid = getpid();
	tid = syscall(SYS_gettid);
	CHECK_SITE(s_tgkill, SYS_tgkill);
	CHECK_SITE(s_getpid, SYS_getpid);
	CHECK_SITE(s_gettid, SYS_gettid);
	CHECK_SITE(s_sigaltstack, SYS_sigaltstack);
	CHECK(site_ok(skip_site, SYS_tgkill));

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO;
	CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
	signal(SIGUSR2, on_usr2);

	/* What the handler sees. */
	RUN(M_LOOK, {
		long r = s_tgkill(pid, tid, SIGUSR1, 0, 0, 0);
		if (r != 0 || hits != 1 || h_rip != (long)s_tgkill_end || h_rax != 0)
			FAIL("look %d: ret %ld hits %d rip %#lx (want %p) rax %ld", i, r, hits,
			     h_rip, (void *)s_tgkill_end, h_rax);
	});
	/* The result changed by the handler. */
	RUN(M_RAX, {
		long r = s_tgkill(pid, tid, SIGUSR1, 0, 0, 0);
		if (r != 777 || hits != 1)
			FAIL("rax %d: ret %ld hits %d", i, r, hits);
	});
	/* rip moved past an instruction, r12 changed. */
	RUN(M_SKIP, {
		long out[3] = { -1, -1, -1 };
		skip_call(pid, tid, SIGUSR1, out);
		if (out[0] != 0 || out[1] != 0 || out[2] != 0xabc || hits != 1 ||
		    h_rip != (long)skip_end)
			FAIL("skip %d: rax %ld rbx %ld r12 %#lx hits %d rip %#lx (want %p)", i,
			     out[0], out[1], out[2], hits, h_rip, (void *)skip_end);
	});
	/* Unskipped, the instruction runs. */
	mode = M_LOOK;
	long out[3] = { -1, -1, -1 };
	skip_call(pid, tid, SIGUSR1, out);
	CHECK_EQ(out[0], 0);
	CHECK_EQ(out[1], 1);
	CHECK_EQ(out[2], 0);
	/* rip back to the mov: the call is made twice. */
	RUN(M_REDO, {
		long r = s_tgkill(pid, tid, SIGUSR1, 0, 0, 0);
		if (r != 0 || hits != 2)
			FAIL("redo %d: ret %ld hits %d", i, r, hits);
	});
	/* rip back to the syscall instruction, rax = getpid. */
	RUN(M_OTHER, {
		long r = s_tgkill(pid, tid, SIGUSR1, 0, 0, 0);
		if (r != pid || hits != 1)
			FAIL("other %d: ret %ld (want getpid %d) hits %d", i, r, pid, hits);
	});
	/* A handler using the same sites, and raising SIGUSR2 from one. */
	usr2 = 0;
	RUN(M_NESTED, {
		long r = s_tgkill(pid, tid, SIGUSR1, 0, 0, 0);
		if (r != 0 || hits != 1 || usr2 != i + 1)
			FAIL("nested %d: ret %ld hits %d usr2 %d", i, r, hits, usr2);
	});
	CHECK_EQ(bad, 0);

	/* On an alternate stack. */
	alt = malloc(ALTSZ);
	ASSERT_NE(alt, NULL);
	stack_t ss = { .ss_sp = alt, .ss_size = ALTSZ, .ss_flags = 0 };
	CHECK_EQ(s_sigaltstack((long)&ss, 0, 0, 0, 0, 0), 0);
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
	RUN(M_ALT, {
		long r = s_tgkill(pid, tid, SIGUSR1, 0, 0, 0);
		if (r != 0 || hits != 1 || h_rip != (long)s_tgkill_end)
			FAIL("altstack %d: ret %ld hits %d", i, r, hits);
	});
	CHECK_EQ(bad, 0);
	stack_t now;
	CHECK_EQ(s_sigaltstack(0, (long)&now, 0, 0, 0, 0), 0);
	CHECK_EQ(now.ss_flags, 0);
	CHECK_EQ(now.ss_sp, alt);
	/* On the altstack, the other changes still hold. */
	RUN(M_OTHER, {
		long r = s_tgkill(pid, tid, SIGUSR1, 0, 0, 0);
		if (r != pid || hits != 1)
			FAIL("other on altstack %d: ret %ld (want getpid %d) hits %d", i, r,
			     pid, hits);
	});
	return test_done();
}
