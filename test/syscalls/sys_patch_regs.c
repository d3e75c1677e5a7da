//go:build ignore

/*
 * Syscalls made by "mov $NR, %eax; syscall" sites, each called thousands
 * of times (a platform that patches such sites traps on the first calls
 * and takes its fast path after): results and errors are the kernel's;
 * every general register but rax/rcx/r11, the flags CF/ZF/SF/OF/DF, MXCSR,
 * the vector registers (xmm/ymm/zmm and k0-7 as the CPU has them) and the
 * 128-byte red zone below rsp survive the call. Sites that look like the
 * pattern but are not (a REX prefix turns the mov into mov %r8d; a jump
 * lands on the syscall instruction with another number in eax) keep their
 * meaning. Code written at run time (an anonymous mapping, rewritten with
 * another number later; a shared memfd mapping) runs what it says, and a
 * patch never shows in the executable file or the memfd's contents.
 */
#include "syspatch.h"
#include <sys/mman.h>

#define N 1000
/* FAIL1: fail and set bad (a loop stops at its first bad call). */
#define FAIL1(...)                    \
	do {                          \
		bad = 1;              \
		FAIL(__VA_ARGS__);    \
	} while (0)

SITE(s_getpid, SYS_getpid)
SITE(s_getppid, SYS_getppid)
SITE(s_gettid, SYS_gettid)
SITE(s_write, SYS_write)
SITE(s_read, SYS_read)
SITE(s_close, SYS_close)

SP_REGS_FN(r_getpid, SYS_getpid)
SP_REGS_FN(r_close, SYS_close)
SP_REGS_FN(r_write, SYS_write)

/*
 * rex_site: eax = getppid, then "41 b8 <getpid> 0f 05", which is
 * "mov $getpid, %r8d; syscall": the syscall made is getppid and r8 is
 * the getpid number afterwards.
 */
extern char rex_site[];
__attribute__((noinline, noclone)) static long rex_call(long *r8_out)
{
	long ret;
	register long r8 __asm__("r8") = 0;
	__asm__ volatile("mov $" SP_STR(SYS_getppid) ", %%eax\n\t"
			 "nop\n"
			 "rex_site:\n\t"
			 ".byte 0x41, 0xb8\n\t"
			 ".long " SP_STR(SYS_getpid) "\n\t"
			 "syscall\n"
			 : "=a"(ret), "+r"(r8)
			 :
			 : "rcx", "r11", "memory", "cc");
	*r8_out = r8;
	return ret;
}

/*
 * mid_call(0) runs the site "mov $getpid, %eax; syscall"; mid_call(nr)
 * puts nr in eax and jumps straight to that site's syscall instruction.
 */
extern char mid_site[];
__attribute__((noinline, noclone)) static long mid_call(long nr)
{
	long ret;
	__asm__ volatile("test %%rdi, %%rdi\n\t"
			 "jnz 2f\n\t"
			 "nop\n"
			 "mid_site:\n\t"
			 "mov $" SP_STR(SYS_getpid) ", %%eax\n"
			 "1:\n\t"
			 "syscall\n\t"
			 "jmp 3f\n"
			 "2:\n\t"
			 "mov %%rdi, %%rax\n\t"
			 "jmp 1b\n"
			 "3:\n"
			 : "=a"(ret)
			 : "D"(nr)
			 : "rcx", "r11", "memory", "cc");
	return ret;
}

static void regs_loop(void (*fn)(struct sp_regs *), const char *what, long want_ret, int wfd,
		      int rfd)
{
	static struct sp_regs p;
	static const char msg[] = "abc";
	int mode = sp_mode();
	for (int i = 0; i < N; i++) {
		sp_regs_fill(&p, 0x9e3779b97f4a7c15ULL * (i + 1), mode, i & 1);
		if (wfd >= 0) {
			p.in[SP_RDI] = wfd;
			p.in[SP_RSI] = (uint64_t)msg;
			p.in[SP_RDX] = 3;
		}
		fn(&p);
		int bad = 0;
		if ((long)p.out[SP_RAX] != want_ret) {
			FAIL("%s call %d: rax %lld, want %ld", what, i, (long long)p.out[SP_RAX],
			     want_ret);
			bad++;
		}
		if (wfd >= 0) {
			char got[4] = { 0 };
			if (read(rfd, got, 3) != 3 || memcmp(got, msg, 3) != 0) {
				FAIL("%s call %d: pipe holds \"%s\"", what, i, got);
				bad++;
			}
		}
		bad += sp_regs_check(&p, what);
		if (bad) {
			FAIL("%s: failed at call %d of %d (mode %d)", what, i, N, mode);
			return;
		}
	}
}

/* file_bytes reads n bytes of the file mapped at addr, by /proc/self/maps. */
static int file_bytes(const void *addr, unsigned char *out, int n)
{
	char maps[65536];
	if (read_text("/proc/self/maps", maps, sizeof maps) <= 0)
		return -1;
	for (char *line = maps; *line;) {
		unsigned long lo, hi, off;
		char perms[8];
		int pos = 0;
		if (sscanf(line, "%lx-%lx %7s %lx %*s %*s%n", &lo, &hi, perms, &off, &pos) >= 4 &&
		    (unsigned long)addr >= lo && (unsigned long)addr < hi) {
			char *path = line + pos;
			while (*path == ' ')
				path++;
			char *nl = strchr(path, '\n');
			if (nl)
				*nl = 0;
			int fd = open(path, O_RDONLY);
			if (fd < 0)
				return -2;
			int r = pread(fd, out, n, off + ((unsigned long)addr - lo));
			close(fd);
			return r;
		}
		char *nl = strchr(line, '\n');
		if (!nl)
			break;
		line = nl + 1;
	}
	return -3;
}

static void jit_emit(unsigned char *code, long nr)
{
	code[0] = 0x90;
	code[1] = 0xb8;
	memcpy(code + 2, &(uint32_t){ (uint32_t)nr }, 4);
	code[6] = 0x0f;
	code[7] = 0x05;
	code[8] = 0xc3; /* ret */
}

static long jit_call(void *code)
{
	long ret;
	__asm__ volatile("call *%1" : "=a"(ret) : "r"(code) : "rcx", "r11", "memory", "cc");
	return ret;
}

static void test_jit(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	unsigned char *code = mmap(NULL, pg, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(code, MAP_FAILED);
	jit_emit(code, SYS_getpid);
	CHECK_OK(mprotect(code, pg, PROT_READ | PROT_EXEC));
	int bad = 0;
	for (int i = 0; i < N && !bad; i++)
		if (jit_call(code) != getpid())
			FAIL1("jit getpid call %d wrong", i);
	/* Rewrite the same site with another number: it must run that one. */
	CHECK_OK(mprotect(code, pg, PROT_READ | PROT_WRITE));
	jit_emit(code, SYS_getppid);
	CHECK_OK(mprotect(code, pg, PROT_READ | PROT_EXEC));
	for (int i = 0; i < N && !bad; i++) {
		long r = jit_call(code);
		if (r != getppid())
			FAIL1("rewritten jit site call %d: %ld, want getppid %d", i, r,
				      getppid());
	}
	/* And rewrite it while it stays executable (RWX). */
	CHECK_OK(mprotect(code, pg, PROT_READ | PROT_WRITE | PROT_EXEC));
	for (int round = 0; round < 4 && !bad; round++) {
		long nr = round & 1 ? SYS_getpid : SYS_getppid;
		jit_emit(code, nr);
		long want = round & 1 ? getpid() : getppid();
		for (int i = 0; i < 200 && !bad; i++) {
			long r = jit_call(code);
			if (r != want)
				FAIL1("rwx site round %d call %d: %ld, want %ld", round,
					      i, r, want);
		}
	}
	CHECK_OK(munmap(code, pg));

	/* A shared mapping of a memfd: its contents stay what was written. */
	int fd = memfd_create("sys_patch", 0);
	ASSERT_OK(fd);
	unsigned char buf[16];
	memset(buf, 0xcc, sizeof buf);
	jit_emit(buf, SYS_getpid);
	CHECK_EQ(pwrite(fd, buf, sizeof buf, 0), sizeof buf);
	CHECK_OK(ftruncate(fd, pg));
	void *sh = mmap(NULL, pg, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
	ASSERT_NE(sh, MAP_FAILED);
	for (int i = 0; i < N && !bad; i++)
		if (jit_call(sh) != getpid())
			FAIL1("memfd site call %d wrong", i);
	unsigned char back[16];
	CHECK_EQ(pread(fd, back, sizeof back, 0), sizeof back);
	CHECK_MEMEQ(back, buf, sizeof buf);
	CHECK_OK(munmap(sh, pg));
	CHECK_OK(close(fd));
}

int main(void)
{
	/* The sites are what they mean to be, before anything can patch them. */
	CHECK_SITE(s_getpid, SYS_getpid);
	CHECK_SITE(s_getppid, SYS_getppid);
	CHECK_SITE(s_gettid, SYS_gettid);
	CHECK_SITE(s_write, SYS_write);
	CHECK_SITE(s_read, SYS_read);
	CHECK_SITE(s_close, SYS_close);
	CHECK_SITE(r_getpid, SYS_getpid);
	CHECK_SITE(r_close, SYS_close);
	CHECK_SITE(r_write, SYS_write);
	CHECK(site_ok(mid_site, SYS_getpid));
	CHECK_EQ(rex_site[-1], (char)0x90);
	CHECK_EQ(rex_site[0], 0x41);
	CHECK_EQ(rex_site[1], (char)0xb8);
	CHECK_EQ(rex_site[6], 0x0f);
	CHECK_EQ(rex_site[7], 0x05);
	unsigned char orig[8];
	const char *site0 = (const char *)((uintptr_t)s_getpid_site - 1);
	memcpy(orig, site0, 8);

	pid_t pid = getpid(), ppid = getppid();
	int p[2];
	ASSERT_OK(pipe(p));

	/* Results and errors, many times from each site. */
	int bad = 0;
	for (int i = 0; i < N && !bad; i++) {
		char c = 'a' + i % 26, got = 0;
		long r1 = s_getpid(0, 0, 0, 0, 0, 0);
		long r2 = s_getppid(0, 0, 0, 0, 0, 0);
		long r3 = s_gettid(0, 0, 0, 0, 0, 0);
		long r4 = s_write(p[1], (long)&c, 1, 0, 0, 0);
		long r5 = s_read(p[0], (long)&got, 1, 0, 0, 0);
		long r6 = s_close(-1, 0, 0, 0, 0, 0);
		long r7 = s_read(-1, (long)&got, 1, 0, 0, 0);
		long r8 = s_write(p[1], 8, 1, 0, 0, 0);
		long r9 = s_read(p[0], (long)&got, 0, 0, 0, 0);
		if (r1 != pid || r2 != ppid || r3 != pid || r4 != 1 || r5 != 1 || got != c ||
		    r6 != -EBADF || r7 != -EBADF || r8 != -EFAULT || r9 != 0) {
			FAIL("call %d: getpid %ld (want %d) getppid %ld (want %d) gettid %ld "
			     "write %ld read %ld '%c' (want '%c') close(-1) %ld read(-1) %ld "
			     "write(bad) %ld read(0 bytes) %ld",
			     i, r1, pid, r2, ppid, r3, r4, r5, got, c, r6, r7, r8, r9);
			bad = 1;
		}
	}

	/* Registers, flags, vector state and the red zone. */
	regs_loop(r_getpid, "getpid", pid, -1, -1);
	regs_loop(r_close, "close(bad fd)", -EBADF, -1, -1);
	regs_loop(r_write, "write(pipe)", 3, p[1], p[0]);

	/* A REX-prefixed mov is not the pattern. */
	bad = 0;
	for (int i = 0; i < N && !bad; i++) {
		long r8 = 0, r = rex_call(&r8);
		if (r != ppid || r8 != SYS_getpid)
			FAIL1("rex site call %d: %ld r8 %ld, want %d r8 %d", i, r, r8,
				      ppid, SYS_getpid);
	}

	/* Jumping onto a site's syscall instruction makes the call in eax,
	 * also once the site was used many times on its own. */
	bad = 0;
	for (int i = 0; i < N && !bad; i++)
		if (mid_call(0) != pid)
			FAIL1("mid site warm-up call %d", i);
	/* dup(SYS_dup), rdi being the number too: fd 32 is not open. */
	CHECK_ERRNO(fcntl(SYS_dup, F_GETFD), -1, EBADF);
	for (int i = 0; i < N && !bad; i++) {
		long a = mid_call(0), b = mid_call(SYS_getppid), c = mid_call(SYS_dup);
		if (a != pid || b != ppid || c != -EBADF)
			FAIL1("mid site call %d: %ld %ld %ld, want getpid %d getppid %d "
			      "dup(32) %d", i, a, b, c, pid, ppid, -EBADF);
	}

	/* The executable file does not change. */
	unsigned char now[8];
	CHECK_EQ(file_bytes(site0, now, 8), 8);
	CHECK_MEMEQ(now, orig, 8);

	test_jit();
	return test_done();
}
