/*
 * syspatch.h: syscall sites of the sys_patch_* tests, on top of testutil.h.
 *
 * A platform may rewrite the 7-byte instruction pair "mov $NR, %eax"
 * (b8 + imm32) followed by "syscall" (0f 05) into a jump to a trampoline
 * once the site has trapped, so that later calls from that site take a
 * faster path. Natively these are plain syscalls; the tests check that
 * whatever the platform does keeps exactly their semantics.
 *
 * SITE(name, nr) defines long name(a, b, c, d, e, f): syscall nr with up
 * to six arguments, made from one site of its own, "nop; mov $nr, %eax;
 * syscall" (the nop makes sure the byte before b8 is not a REX prefix).
 * The labels name_site (the mov), name_sc (the syscall instruction) and
 * name_end (just after it) are addresses the tests can compare with a
 * ucontext's rip. The result is the raw kernel answer (-errno on error).
 *
 * SP_REGS_FN(name, nr) defines void name(struct sp_regs *p): it loads
 * every general register but rax/rcx/r11/rsp from p->in, the flags from
 * p->flags_in, MXCSR and the vector registers (xmm0-15, ymm0-15 or
 * zmm0-31 and k0-7 by p->mode), fills the 128-byte red zone below rsp
 * with a pattern, makes syscall nr from its own site, and stores all of
 * it back into the out fields. sp_regs_check compares.
 *
 * site_ok checks, before a site is first used, that its bytes are what
 * the tests mean them to be.
 */
#ifndef MOAT_SYSPATCH_H
#define MOAT_SYSPATCH_H

#include "testutil.h"
#include <stddef.h>

#define SP_STR2(x) #x
#define SP_STR(x) SP_STR2(x)

#define SITE(name, nr)                                                        \
	extern char name##_site[], name##_sc[], name##_end[];                 \
	__attribute__((noinline, noclone, used, unused)) static long name(    \
		long a, long b, long c, long d, long e, long f)                \
	{                                                                     \
		long ret;                                                     \
		register long r10 __asm__("r10") = d;                         \
		register long r8 __asm__("r8") = e;                           \
		register long r9 __asm__("r9") = f;                           \
		__asm__ volatile("nop\n"                                      \
				 #name "_site:\n\t"                           \
				 "mov $" SP_STR(nr) ", %%eax\n"               \
				 #name "_sc:\n\t"                             \
				 "syscall\n"                                  \
				 #name "_end:\n"                              \
				 : "=a"(ret), "+r"(r10), "+r"(r8), "+r"(r9)   \
				 : "D"(a), "S"(b), "d"(c)                     \
				 : "rcx", "r11", "memory", "cc");             \
		return ret;                                                   \
	}

/* site_ok: the bytes at a site are 90 b8 <nr> 0f 05 (before first use). */
__attribute__((unused)) static int site_ok(const char *site, long nr)
{
	const unsigned char *p = (const unsigned char *)site;
	uint32_t imm;
	memcpy(&imm, p + 1, 4);
	return p[-1] == 0x90 && p[0] == 0xb8 && imm == (uint32_t)nr && p[5] == 0x0f &&
	       p[6] == 0x05;
}
#define CHECK_SITE(name, nr) CHECK(site_ok(name##_site, nr))

/* Indexes of sp_regs.in/out. */
enum { SP_RBX, SP_RBP, SP_R12, SP_R13, SP_R14, SP_R15, SP_RDI, SP_RSI, SP_RDX,
       SP_R8, SP_R9, SP_R10, SP_NIN, SP_RAX = SP_NIN, SP_RCX, SP_R11, SP_NREG };
static const char *const sp_reg_names[SP_NREG] __attribute__((unused)) = {
	"rbx", "rbp", "r12", "r13", "r14", "r15", "rdi", "rsi", "rdx",
	"r8",  "r9",  "r10", "rax", "rcx", "r11",
};

enum { SP_MODE_SSE, SP_MODE_AVX, SP_MODE_AVX512 };

struct sp_regs {
	uint64_t in[16];        /* 0 */
	uint64_t out[16];       /* 128 */
	uint64_t flags_in;      /* 256 */
	uint64_t flags_out;     /* 264 */
	uint64_t rz_out[16];    /* 272 */
	uint32_t mxcsr_in;      /* 400 */
	uint32_t mxcsr_out;     /* 404 */
	uint64_t rsp_before;    /* 408 */
	uint64_t rsp_after;     /* 416 */
	uint64_t mode;          /* 424 */
	uint64_t kin[8];        /* 432 */
	uint64_t kout[8];       /* 496 */
	uint64_t pad[2];        /* 560 */
	uint8_t vin[32][64];    /* 576 */
	uint8_t vout[32][64];   /* 2624 */
} __attribute__((aligned(64)));

_Static_assert(offsetof(struct sp_regs, out) == 128, "layout");
_Static_assert(offsetof(struct sp_regs, flags_in) == 256, "layout");
_Static_assert(offsetof(struct sp_regs, rz_out) == 272, "layout");
_Static_assert(offsetof(struct sp_regs, mxcsr_in) == 400, "layout");
_Static_assert(offsetof(struct sp_regs, rsp_before) == 408, "layout");
_Static_assert(offsetof(struct sp_regs, mode) == 424, "layout");
_Static_assert(offsetof(struct sp_regs, kin) == 432, "layout");
_Static_assert(offsetof(struct sp_regs, kout) == 496, "layout");
_Static_assert(offsetof(struct sp_regs, vin) == 576, "layout");
_Static_assert(offsetof(struct sp_regs, vout) == 2624, "layout");

/* The red zone pattern: qword i (from -128(%rsp) up) is SP_RZ(i). */
#define SP_RZ(i) (0x5a5a0000LL + (i))

#define SP_V16(op, base, reg)                                                  \
	op " (" #base "+0*64)(%rdi), %" reg "0\n" op " (" #base "+1*64)(%rdi), %" reg "1\n" \
	op " (" #base "+2*64)(%rdi), %" reg "2\n" op " (" #base "+3*64)(%rdi), %" reg "3\n" \
	op " (" #base "+4*64)(%rdi), %" reg "4\n" op " (" #base "+5*64)(%rdi), %" reg "5\n" \
	op " (" #base "+6*64)(%rdi), %" reg "6\n" op " (" #base "+7*64)(%rdi), %" reg "7\n" \
	op " (" #base "+8*64)(%rdi), %" reg "8\n" op " (" #base "+9*64)(%rdi), %" reg "9\n" \
	op " (" #base "+10*64)(%rdi), %" reg "10\n" op " (" #base "+11*64)(%rdi), %" reg "11\n" \
	op " (" #base "+12*64)(%rdi), %" reg "12\n" op " (" #base "+13*64)(%rdi), %" reg "13\n" \
	op " (" #base "+14*64)(%rdi), %" reg "14\n" op " (" #base "+15*64)(%rdi), %" reg "15\n"
#define SP_V16S(op, base, reg)                                                 \
	op " %" reg "0, (" #base "+0*64)(%rdi)\n" op " %" reg "1, (" #base "+1*64)(%rdi)\n" \
	op " %" reg "2, (" #base "+2*64)(%rdi)\n" op " %" reg "3, (" #base "+3*64)(%rdi)\n" \
	op " %" reg "4, (" #base "+4*64)(%rdi)\n" op " %" reg "5, (" #base "+5*64)(%rdi)\n" \
	op " %" reg "6, (" #base "+6*64)(%rdi)\n" op " %" reg "7, (" #base "+7*64)(%rdi)\n" \
	op " %" reg "8, (" #base "+8*64)(%rdi)\n" op " %" reg "9, (" #base "+9*64)(%rdi)\n" \
	op " %" reg "10, (" #base "+10*64)(%rdi)\n" op " %" reg "11, (" #base "+11*64)(%rdi)\n" \
	op " %" reg "12, (" #base "+12*64)(%rdi)\n" op " %" reg "13, (" #base "+13*64)(%rdi)\n" \
	op " %" reg "14, (" #base "+14*64)(%rdi)\n" op " %" reg "15, (" #base "+15*64)(%rdi)\n"
/* zmm16-31 live at vin/vout[16..31]. */
#define SP_Z16(op, base)                                                       \
	op " (" #base "+16*64)(%rdi), %zmm16\n" op " (" #base "+17*64)(%rdi), %zmm17\n" \
	op " (" #base "+18*64)(%rdi), %zmm18\n" op " (" #base "+19*64)(%rdi), %zmm19\n" \
	op " (" #base "+20*64)(%rdi), %zmm20\n" op " (" #base "+21*64)(%rdi), %zmm21\n" \
	op " (" #base "+22*64)(%rdi), %zmm22\n" op " (" #base "+23*64)(%rdi), %zmm23\n" \
	op " (" #base "+24*64)(%rdi), %zmm24\n" op " (" #base "+25*64)(%rdi), %zmm25\n" \
	op " (" #base "+26*64)(%rdi), %zmm26\n" op " (" #base "+27*64)(%rdi), %zmm27\n" \
	op " (" #base "+28*64)(%rdi), %zmm28\n" op " (" #base "+29*64)(%rdi), %zmm29\n" \
	op " (" #base "+30*64)(%rdi), %zmm30\n" op " (" #base "+31*64)(%rdi), %zmm31\n"
#define SP_Z16S(op, base)                                                      \
	op " %zmm16, (" #base "+16*64)(%rdi)\n" op " %zmm17, (" #base "+17*64)(%rdi)\n" \
	op " %zmm18, (" #base "+18*64)(%rdi)\n" op " %zmm19, (" #base "+19*64)(%rdi)\n" \
	op " %zmm20, (" #base "+20*64)(%rdi)\n" op " %zmm21, (" #base "+21*64)(%rdi)\n" \
	op " %zmm22, (" #base "+22*64)(%rdi)\n" op " %zmm23, (" #base "+23*64)(%rdi)\n" \
	op " %zmm24, (" #base "+24*64)(%rdi)\n" op " %zmm25, (" #base "+25*64)(%rdi)\n" \
	op " %zmm26, (" #base "+26*64)(%rdi)\n" op " %zmm27, (" #base "+27*64)(%rdi)\n" \
	op " %zmm28, (" #base "+28*64)(%rdi)\n" op " %zmm29, (" #base "+29*64)(%rdi)\n" \
	op " %zmm30, (" #base "+30*64)(%rdi)\n" op " %zmm31, (" #base "+31*64)(%rdi)\n"
#define SP_K8(op)                                                              \
	op " 432(%rdi), %k0\n" op " 440(%rdi), %k1\n" op " 448(%rdi), %k2\n"   \
	op " 456(%rdi), %k3\n" op " 464(%rdi), %k4\n" op " 472(%rdi), %k5\n"   \
	op " 480(%rdi), %k6\n" op " 488(%rdi), %k7\n"
#define SP_K8S(op)                                                             \
	op " %k0, 496(%rdi)\n" op " %k1, 504(%rdi)\n" op " %k2, 512(%rdi)\n"   \
	op " %k3, 520(%rdi)\n" op " %k4, 528(%rdi)\n" op " %k5, 536(%rdi)\n"   \
	op " %k6, 544(%rdi)\n" op " %k7, 552(%rdi)\n"

#define SP_RZW(i) "movq $(0x5a5a0000+" #i "), (-128+8*" #i ")(%rsp)\n"
#define SP_RZR(i) "mov (-128+8*" #i ")(%rsp), %rax\nmov %rax, (272+8*" #i ")(%rdi)\n"

#define SP_REGS_FN(name, nr)                                                   \
	extern char name##_site[], name##_sc[], name##_end[];                  \
	void name(struct sp_regs *p);                                          \
	__asm__(".text\n.p2align 4\n.type " #name ",@function\n" #name ":\n"   \
		"push %rbx\npush %rbp\npush %r12\npush %r13\npush %r14\npush %r15\n" \
		"push %rdi\n"                                                  \
		"cmpq $2, 424(%rdi)\nje " #name "_lz\n"                        \
		"cmpq $1, 424(%rdi)\nje " #name "_ly\n"                        \
		SP_V16("movdqu", 576, "xmm") "jmp " #name "_lv\n"              \
		#name "_ly:\n" SP_V16("vmovdqu", 576, "ymm") "jmp " #name "_lv\n" \
		#name "_lz:\n" SP_V16("vmovdqu64", 576, "zmm") SP_Z16("vmovdqu64", 576) \
		SP_K8("kmovw")                                                 \
		#name "_lv:\n"                                                 \
		"ldmxcsr 400(%rdi)\n"                                          \
		"pushq 256(%rdi)\npopfq\n"                                     \
		"mov %rsp, 408(%rdi)\n"                                        \
		SP_RZW(0) SP_RZW(1) SP_RZW(2) SP_RZW(3) SP_RZW(4) SP_RZW(5)    \
		SP_RZW(6) SP_RZW(7) SP_RZW(8) SP_RZW(9) SP_RZW(10) SP_RZW(11)  \
		SP_RZW(12) SP_RZW(13) SP_RZW(14) SP_RZW(15)                    \
		"mov 0(%rdi), %rbx\nmov 8(%rdi), %rbp\nmov 16(%rdi), %r12\n"   \
		"mov 24(%rdi), %r13\nmov 32(%rdi), %r14\nmov 40(%rdi), %r15\n" \
		"mov 56(%rdi), %rsi\nmov 64(%rdi), %rdx\nmov 72(%rdi), %r8\n"  \
		"mov 80(%rdi), %r9\nmov 88(%rdi), %r10\nmov 48(%rdi), %rdi\n"  \
		"nop\n" #name "_site:\n"                                       \
		"mov $" SP_STR(nr) ", %eax\n" #name "_sc:\n"                   \
		"syscall\n" #name "_end:\n"                                    \
		"xchg %rdi, (%rsp)\n"                                          \
		"mov %rbx, 128(%rdi)\nmov %rbp, 136(%rdi)\nmov %r12, 144(%rdi)\n" \
		"mov %r13, 152(%rdi)\nmov %r14, 160(%rdi)\nmov %r15, 168(%rdi)\n" \
		"mov %rsi, 184(%rdi)\nmov %rdx, 192(%rdi)\nmov %r8, 200(%rdi)\n" \
		"mov %r9, 208(%rdi)\nmov %r10, 216(%rdi)\nmov %rax, 224(%rdi)\n" \
		"mov %rcx, 232(%rdi)\nmov %r11, 240(%rdi)\n"                   \
		"mov (%rsp), %rax\nmov %rax, 176(%rdi)\n"                      \
		"mov %rsp, 416(%rdi)\n"                                        \
		SP_RZR(0) SP_RZR(1) SP_RZR(2) SP_RZR(3) SP_RZR(4) SP_RZR(5)    \
		SP_RZR(6) SP_RZR(7) SP_RZR(8) SP_RZR(9) SP_RZR(10) SP_RZR(11)  \
		SP_RZR(12) SP_RZR(13) SP_RZR(14) SP_RZR(15)                    \
		"pushfq\npopq 264(%rdi)\ncld\n"                                \
		"stmxcsr 404(%rdi)\n"                                          \
		"cmpq $2, 424(%rdi)\nje " #name "_sz\n"                        \
		"cmpq $1, 424(%rdi)\nje " #name "_sy\n"                        \
		SP_V16S("movdqu", 2624, "xmm") "jmp " #name "_sv\n"            \
		#name "_sy:\n" SP_V16S("vmovdqu", 2624, "ymm") "vzeroupper\njmp " #name "_sv\n" \
		#name "_sz:\n" SP_V16S("vmovdqu64", 2624, "zmm") SP_Z16S("vmovdqu64", 2624) \
		SP_K8S("kmovw") "vzeroupper\n"                                 \
		#name "_sv:\n"                                                 \
		"pop %rdi\npop %r15\npop %r14\npop %r13\npop %r12\npop %rbp\npop %rbx\n" \
		"ret\n.size " #name ", .-" #name "\n");

/* The flag bits the tests set and expect back: CF, ZF, SF, OF, DF. */
#define SP_FLAGS (0x1 | 0x40 | 0x80 | 0x800 | 0x400)

/* sp_mode is the richest vector mode this CPU has. */
__attribute__((unused)) static int sp_mode(void)
{
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f"))
		return SP_MODE_AVX512;
	if (__builtin_cpu_supports("avx"))
		return SP_MODE_AVX;
	return SP_MODE_SSE;
}

/* sp_regs_fill sets every input from seed; flags gets SP_FLAGS or not. */
__attribute__((unused)) static void sp_regs_fill(struct sp_regs *p, uint64_t seed, int mode,
						  int flags_on)
{
	memset(p, 0, sizeof *p);
	for (int i = 0; i < SP_NIN; i++)
		p->in[i] = 0x0101010101010101ULL * (uint64_t)(i + 1) ^ seed;
	p->flags_in = 0x202 | (flags_on ? SP_FLAGS : 0);
	/* Round toward zero, flush to zero, all exceptions masked. */
	p->mxcsr_in = 0x1f80 | 0x6000 | 0x8000;
	p->mode = mode;
	for (int r = 0; r < 32; r++)
		for (int b = 0; b < 64; b++)
			p->vin[r][b] = (uint8_t)(seed * 7 + r * 64 + b + 1);
	for (int k = 0; k < 8; k++)
		p->kin[k] = (uint16_t)(0x1111 * (k + 1) ^ seed);
	memset(p->vout, 0xee, sizeof p->vout);
}

/*
 * sp_regs_check compares what came back with what went in; the rdi..r10
 * argument registers are preserved too (the kernel only writes rax, rcx
 * and r11). It returns the number of differences and reports each (what
 * names the caller).
 */
__attribute__((unused)) static int sp_regs_check(const struct sp_regs *p, const char *what)
{
	int bad = 0;
	for (int i = 0; i < SP_NIN; i++)
		if (p->out[i] != p->in[i]) {
			FAIL("%s: %s changed: 0x%llx, want 0x%llx", what, sp_reg_names[i],
			     (unsigned long long)p->out[i], (unsigned long long)p->in[i]);
			bad++;
		}
	if ((p->flags_out & SP_FLAGS) != (p->flags_in & SP_FLAGS)) {
		FAIL("%s: rflags 0x%llx, want bits 0x%llx of 0x%llx", what,
		     (unsigned long long)p->flags_out, (unsigned long long)SP_FLAGS,
		     (unsigned long long)p->flags_in);
		bad++;
	}
	if (p->rsp_after != p->rsp_before) {
		FAIL("%s: rsp 0x%llx, want 0x%llx", what, (unsigned long long)p->rsp_after,
		     (unsigned long long)p->rsp_before);
		bad++;
	}
	for (int i = 0; i < 16; i++)
		if ((long long)p->rz_out[i] != SP_RZ(i)) {
			FAIL("%s: red zone qword at rsp-%d is 0x%llx, want 0x%llx", what,
			     128 - 8 * i, (unsigned long long)p->rz_out[i],
			     (unsigned long long)SP_RZ(i));
			bad++;
		}
	if (p->mxcsr_out != p->mxcsr_in) {
		FAIL("%s: mxcsr 0x%x, want 0x%x", what, p->mxcsr_out, p->mxcsr_in);
		bad++;
	}
	int nv = p->mode == SP_MODE_AVX512 ? 32 : 16;
	int vlen = p->mode == SP_MODE_AVX512 ? 64 : p->mode == SP_MODE_AVX ? 32 : 16;
	for (int r = 0; r < nv; r++)
		if (memcmp(p->vout[r], p->vin[r], vlen) != 0) {
			int b = 0;
			while (p->vout[r][b] == p->vin[r][b])
				b++;
			FAIL("%s: vector register %d (%d bytes) differs at byte %d: 0x%02x, "
			     "want 0x%02x", what, r, vlen, b, p->vout[r][b], p->vin[r][b]);
			bad++;
		}
	if (p->mode == SP_MODE_AVX512)
		for (int k = 0; k < 8; k++)
			if ((uint16_t)p->kout[k] != (uint16_t)p->kin[k]) {
				FAIL("%s: k%d 0x%llx, want 0x%llx", what, k,
				     (unsigned long long)p->kout[k],
				     (unsigned long long)p->kin[k]);
				bad++;
			}
	return bad;
}

#endif /* MOAT_SYSPATCH_H */
