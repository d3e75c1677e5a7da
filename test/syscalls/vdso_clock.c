//go:build ignore
/*
 * vdso_clock: the vDSO (AT_SYSINFO_EHDR) answers clock_gettime for
 * CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME and the two coarse
 * clocks, gettimeofday, time and getcpu in user space, and its answers
 * agree with the system calls:
 *  - each clock read through the vDSO brackets the system call's reading
 *    (within a few ms: the vDSO's clock is steered to the kernel's);
 *  - CLOCK_MONOTONIC never goes back, within a thread and between two
 *    threads on different CPUs, over several updates of the time page,
 *    and CLOCK_BOOTTIME neither goes back nor reads below it;
 *  - with a seccomp filter that fails those four system calls, the vDSO
 *    still answers (so it never traps), while a clock it does not cover
 *    (CLOCK_PROCESS_CPUTIME_ID) and a bad clock id fall back to the system
 *    call and get its error.
 * The functions are found by name in the vDSO's dynamic symbol table and
 * called directly, and also through libc.
 */
#include "testutil.h"

#include <elf.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <time.h>

typedef int (*clock_gettime_fn)(clockid_t, struct timespec *);
typedef int (*gettimeofday_fn)(struct timeval *, void *);
typedef long (*time_fn)(long *);
typedef int (*getcpu_fn)(unsigned *, unsigned *, void *);

static clock_gettime_fn v_clock_gettime;
static gettimeofday_fn v_gettimeofday;
static time_fn v_time;
static getcpu_fn v_getcpu;

/* vdso_sym looks name up in the dynamic symbol table of the vDSO mapped at
 * base, through its section headers (both Linux's vDSO and ours keep them
 * in the mapped image). */
static void *vdso_sym(uintptr_t base, const char *name)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(base + eh->e_phoff);
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(base + eh->e_shoff);
	uintptr_t bias = 0;
	int found = 0;
	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && !found) {
			bias = base + ph[i].p_offset - ph[i].p_vaddr;
			found = 1;
		}
	for (int i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type != SHT_DYNSYM)
			continue;
		const Elf64_Sym *sym = (const Elf64_Sym *)(base + sh[i].sh_offset);
		const char *str = (const char *)(base + sh[sh[i].sh_link].sh_offset);
		size_t n = sh[i].sh_size / sizeof(Elf64_Sym);
		for (size_t j = 0; j < n; j++)
			if (sym[j].st_shndx != SHN_UNDEF && strcmp(str + sym[j].st_name, name) == 0)
				return (void *)(bias + sym[j].st_value);
	}
	return NULL;
}

static long long ts_ns(const struct timespec *ts)
{
	return ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

/* bracket checks that the system call's reading of clk lies between two
 * vDSO readings, give or take tol ns. */
static void bracket(clockid_t clk, long long tol)
{
	struct timespec a, s, b;
	ASSERT_EQ(v_clock_gettime(clk, &a), 0);
	ASSERT_EQ(RAW(SYS_clock_gettime, clk, &s), 0);
	ASSERT_EQ(v_clock_gettime(clk, &b), 0);
	CHECK_LE(ts_ns(&a), ts_ns(&b));
	CHECK_GE(ts_ns(&s), ts_ns(&a) - tol);
	CHECK_LE(ts_ns(&s), ts_ns(&b) + tol);
	CHECK(a.tv_nsec >= 0 && a.tv_nsec < 1000000000);
}

/* Cross-thread monotonicity: whoever holds the lock reads the clock and
 * compares it with the last reading any thread published. */
static atomic_int lock;
static long long last_mono;
static atomic_int backwards, stop_threads;
static atomic_long reads;

static void *mono_thread(void *arg)
{
	int cpu = (int)(intptr_t)arg;
	if (cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		sched_setaffinity(0, sizeof set, &set);
	}
	while (!atomic_load(&stop_threads)) {
		int zero = 0;
		if (!atomic_compare_exchange_weak(&lock, &zero, 1))
			continue;
		struct timespec ts;
		v_clock_gettime(CLOCK_MONOTONIC, &ts);
		long long t = ts_ns(&ts);
		if (t < last_mono)
			atomic_fetch_add(&backwards, 1);
		last_mono = t;
		atomic_store(&lock, 0);
		atomic_fetch_add(&reads, 1);
	}
	return NULL;
}

static void check_monotonic(void)
{
	/* One thread, tight loop. */
	struct timespec ts;
	long long prev = 0;
	int back = 0;
	for (int i = 0; i < 200000; i++) {
		v_clock_gettime(CLOCK_MONOTONIC, &ts);
		if (ts_ns(&ts) < prev)
			back++;
		prev = ts_ns(&ts);
	}
	CHECK_EQ(back, 0);

	/* BOOTTIME read after MONOTONIC is never below it (they differ by
	 * the time the host was suspended), and never goes back either. */
	struct timespec bt;
	long long prev_bt = 0;
	int below = 0;
	back = 0;
	for (int i = 0; i < 100000; i++) {
		v_clock_gettime(CLOCK_MONOTONIC, &ts);
		v_clock_gettime(CLOCK_BOOTTIME, &bt);
		if (ts_ns(&bt) < ts_ns(&ts))
			below++;
		if (ts_ns(&bt) < prev_bt)
			back++;
		prev_bt = ts_ns(&bt);
	}
	CHECK_EQ(below, 0);
	CHECK_EQ(back, 0);

	/* Two threads, on two CPUs when there are two, for 700 ms: the
	 * sentry's time page is updated several times meanwhile. */
	cpu_set_t set;
	int cpus[2] = {-1, -1}, n = 0;
	if (sched_getaffinity(0, sizeof set, &set) == 0)
		for (int c = 0; c < CPU_SETSIZE && n < 2; c++)
			if (CPU_ISSET(c, &set))
				cpus[n++] = c;
	if (n < 2)
		cpus[0] = cpus[1] = -1;
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		ASSERT_EQ(pthread_create(&th[i], NULL, mono_thread, (void *)(intptr_t)cpus[i]), 0);
	usleep(700000);
	atomic_store(&stop_threads, 1);
	for (int i = 0; i < 2; i++)
		ASSERT_EQ(pthread_join(th[i], NULL), 0);
	CHECK_EQ(atomic_load(&backwards), 0);
	CHECK_GT(atomic_load(&reads), 1000);
}

static void check_values(void)
{
	/* The fine clocks are steered to the kernel's within a millisecond;
	 * the coarse ones may lag by a tick (Linux: up to 10 ms at HZ=100). */
	long long ms = 1000000;
	bracket(CLOCK_MONOTONIC, 5 * ms);
	bracket(CLOCK_REALTIME, 5 * ms);
	bracket(CLOCK_BOOTTIME, 5 * ms);
	bracket(CLOCK_MONOTONIC_COARSE, 25 * ms);
	bracket(CLOCK_REALTIME_COARSE, 25 * ms);

	/* Realtime is the same clock through each entry point. */
	struct timespec a, b;
	struct timeval tv;
	ASSERT_EQ(v_clock_gettime(CLOCK_REALTIME, &a), 0);
	ASSERT_EQ(v_gettimeofday(&tv, NULL), 0);
	long t = v_time(NULL);
	ASSERT_EQ(v_clock_gettime(CLOCK_REALTIME, &b), 0);
	long long tv_ns = tv.tv_sec * 1000000000LL + tv.tv_usec * 1000LL;
	CHECK_GE(tv_ns, ts_ns(&a) - 1000);
	CHECK_LE(tv_ns, ts_ns(&b));
	CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1000000);
	CHECK_GE(t, a.tv_sec - 1);
	CHECK_LE(t, b.tv_sec);
	long t2 = 0;
	CHECK_EQ(v_time(&t2), t2);
	CHECK_GE(t2, t);
	/* The system calls agree. */
	struct timeval stv;
	ASSERT_EQ(RAW(SYS_gettimeofday, &stv, NULL), 0);
	CHECK_LE(llabs(stv.tv_sec * 1000000LL + stv.tv_usec - tv_ns / 1000), 5000000LL);
	CHECK_LE(labs(RAW(SYS_time, NULL) - t), 5);
	/* gettimeofday with only a timezone, and with neither. */
	struct timezone tz;
	CHECK_EQ(v_gettimeofday(NULL, &tz), 0);
	CHECK_EQ(v_gettimeofday(NULL, NULL), 0);

	/* BOOTTIME is at least MONOTONIC. */
	ASSERT_EQ(v_clock_gettime(CLOCK_MONOTONIC, &a), 0);
	ASSERT_EQ(v_clock_gettime(CLOCK_BOOTTIME, &b), 0);
	CHECK_GE(ts_ns(&b), ts_ns(&a));

	/* getcpu names a CPU this thread may run on. */
	unsigned cpu = ~0u, node = ~0u;
	CHECK_EQ(v_getcpu(&cpu, &node, NULL), 0);
	CHECK_LT(cpu, (unsigned)CPU_SETSIZE);
	CHECK_LT(cpu, (unsigned)sysconf(_SC_NPROCESSORS_CONF));
	CHECK_EQ(node, 0u);
	CHECK_EQ(v_getcpu(NULL, NULL, NULL), 0);
	CHECK_GE(sched_getcpu(), 0);

	/* The libc entry points work (glibc calls the vDSO). */
	CHECK_EQ(clock_gettime(CLOCK_MONOTONIC, &a), 0);
	CHECK_EQ(gettimeofday(&tv, NULL), 0);
	CHECK_GE(time(NULL), t);
}

/* In a child, fail the four system calls with ENOTRECOVERABLE: the vDSO
 * must still answer, and its fallbacks must reach the system call. */
static void check_no_trap(void)
{
	pid_t pid = test_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
#define FAIL_NR(nr)                                                       \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1),                  \
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOTRECOVERABLE)
		struct sock_filter f[] = {
		    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		    FAIL_NR(SYS_clock_gettime),
		    FAIL_NR(SYS_gettimeofday),
		    FAIL_NR(SYS_time),
		    FAIL_NR(SYS_getcpu),
		    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		};
		struct sock_fprog prog = {sizeof f / sizeof f[0], f};
		ASSERT_OK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
		ASSERT_OK(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog));
		/* The filter works. */
		struct timespec ts;
		CHECK_EQ(RAW(SYS_clock_gettime, CLOCK_MONOTONIC, &ts), -1);
		CHECK_EQ(errno, ENOTRECOVERABLE);

		clockid_t clks[] = {CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME,
				    CLOCK_MONOTONIC_COARSE, CLOCK_REALTIME_COARSE};
		for (size_t i = 0; i < sizeof clks / sizeof clks[0]; i++) {
			for (int j = 0; j < 1000; j++)
				if (v_clock_gettime(clks[i], &ts) != 0) {
					FAIL("clock %d trapped", clks[i]);
					break;
				}
			CHECK_EQ(clock_gettime(clks[i], &ts), 0);
		}
		struct timeval tv;
		CHECK_EQ(v_gettimeofday(&tv, NULL), 0);
		CHECK_EQ(gettimeofday(&tv, NULL), 0);
		CHECK_GT(v_time(NULL), 0);
		CHECK_GT(time(NULL), 0);
		unsigned cpu;
		CHECK_EQ(v_getcpu(&cpu, NULL, NULL), 0);
		CHECK_GE(sched_getcpu(), 0);

		/* A clock the vDSO does not cover goes to the system call, and
		 * the vDSO returns its result as -errno. */
		CHECK_EQ(v_clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts), -ENOTRECOVERABLE);
		CHECK_EQ(v_clock_gettime(12345, &ts), -ENOTRECOVERABLE);
		child_exit();
	}
	int status;
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
}

int main(void)
{
	uintptr_t base = getauxval(AT_SYSINFO_EHDR);
	ASSERT_NE(base, 0);
	ASSERT_EQ(memcmp((void *)base, ELFMAG, SELFMAG), 0);
	v_clock_gettime = (clock_gettime_fn)vdso_sym(base, "__vdso_clock_gettime");
	v_gettimeofday = (gettimeofday_fn)vdso_sym(base, "__vdso_gettimeofday");
	v_time = (time_fn)vdso_sym(base, "__vdso_time");
	v_getcpu = (getcpu_fn)vdso_sym(base, "__vdso_getcpu");
	ASSERT_NE(v_clock_gettime, NULL);
	ASSERT_NE(v_gettimeofday, NULL);
	ASSERT_NE(v_time, NULL);
	ASSERT_NE(v_getcpu, NULL);

	/* Unknown clocks fall back to the system call: a CPU-time clock
	 * works, a bad id gets EINVAL (the vDSO returns -errno). */
	struct timespec ts;
	CHECK_EQ(v_clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts), 0);
	CHECK(ts.tv_sec > 0 || ts.tv_nsec > 0);
	CHECK_EQ(v_clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts), 0);
	CHECK_EQ(v_clock_gettime(12345, &ts), -EINVAL);
	CHECK_ERRNO(clock_gettime(12345, &ts), -1, EINVAL);

	check_values();
	check_monotonic();
	check_no_trap();
	return test_done();
}
