/*
 * Moat's vDSO: clock_gettime, gettimeofday, time and getcpu answered in
 * user space, from the TSC and the time page (vdso.h) the sentry keeps
 * current, so that they never trap into the sentry. A clock the page does
 * not cover, or a page not ready yet, falls back to the system call.
 *
 * Built by gen.sh into ../vdso_blob.go.
 */
#include "vdso.h"

struct timespec_k {
	long tv_sec;
	long tv_nsec;
};
struct timeval_k {
	long tv_sec;
	long tv_usec;
};

/* At -0x1000 from the image (vdso.lds). */
extern const volatile struct vvar vvar_page __attribute__((visibility("hidden")));

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7

#define SYS_gettimeofday 96
#define SYS_time 201
#define SYS_clock_gettime 228
#define SYS_getcpu 309

static inline long sys3(long n, long a, long b, long c)
{
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return ret;
}

static inline unsigned long rdtsc_ordered(void)
{
	unsigned int lo, hi;
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
	return ((unsigned long)hi << 32) | lo;
}

/* now returns the clock in nanoseconds, or -1 to fall back. */
static long now(int clk)
{
	unsigned int seq;
	long ns;
	do {
		seq = vvar_page.seq;
		__asm__ volatile("" ::: "memory");
		if (!vvar_page.ready)
			return -1;
		long d = (long)(rdtsc_ordered() - vvar_page.tsc_base);
		unsigned long mult = vvar_page.mult;
		long delta;
		if (d >= 0)
			delta = (long)(((unsigned __int128)d * mult) >> 32);
		else
			delta = -(long)(((unsigned __int128)(-d) * mult) >> 32);
		ns = vvar_page.mono_base + delta;
		if (clk == CLOCK_REALTIME || clk == CLOCK_REALTIME_COARSE)
			ns += vvar_page.real_off;
		else if (clk == CLOCK_BOOTTIME)
			ns += vvar_page.boot_off;
		__asm__ volatile("" ::: "memory");
	} while ((seq & 1) || seq != vvar_page.seq);
	return ns;
}

int __vdso_clock_gettime(int clk, struct timespec_k *ts)
{
	if (clk == CLOCK_REALTIME || clk == CLOCK_MONOTONIC || clk == CLOCK_REALTIME_COARSE ||
	    clk == CLOCK_MONOTONIC_COARSE || clk == CLOCK_BOOTTIME) {
		long ns = now(clk);
		if (ns >= 0) {
			ts->tv_sec = ns / 1000000000;
			ts->tv_nsec = ns % 1000000000;
			return 0;
		}
	}
	return (int)sys3(SYS_clock_gettime, clk, (long)ts, 0);
}

int __vdso_gettimeofday(struct timeval_k *tv, void *tz)
{
	if (tz == 0) {
		if (tv == 0)
			return 0;
		long ns = now(CLOCK_REALTIME);
		if (ns >= 0) {
			tv->tv_sec = ns / 1000000000;
			tv->tv_usec = ns % 1000000000 / 1000;
			return 0;
		}
	}
	return (int)sys3(SYS_gettimeofday, (long)tv, (long)tz, 0);
}

long __vdso_time(long *t)
{
	long ns = now(CLOCK_REALTIME);
	if (ns < 0)
		return sys3(SYS_time, (long)t, 0, 0);
	long s = ns / 1000000000;
	if (t)
		*t = s;
	return s;
}

/* The host's per-CPU segment limit holds the CPU and node numbers, as
 * Linux's own vDSO reads them. */
int __vdso_getcpu(unsigned int *cpu, unsigned int *node, void *unused)
{
	unsigned int p;
	(void)unused;
	__asm__ volatile("lsl %1, %0" : "=r"(p) : "r"(0x7b));
	if (cpu)
		*cpu = p & 0xfff;
	if (node)
		*node = p >> 12;
	return 0;
}

int clock_gettime(int, struct timespec_k *) __attribute__((weak, alias("__vdso_clock_gettime")));
int gettimeofday(struct timeval_k *, void *) __attribute__((weak, alias("__vdso_gettimeofday")));
long time(long *) __attribute__((weak, alias("__vdso_time")));
int getcpu(unsigned int *, unsigned int *, void *) __attribute__((weak, alias("__vdso_getcpu")));
