//go:build ignore

/*
 * "mov $NR, %eax; syscall" sites (see syspatch.h) in a thread whose GS
 * base is set with arch_prctl(ARCH_SET_GS), itself made from a site. A
 * platform whose fast path for such sites depends on %gs must keep every
 * call right: sites used before, sites first used with GS set, the same
 * sites in other threads (GS 0) at the same time, a signal handler in
 * the GS thread, a child forked from it, registers and red zone around
 * the call; %gs-relative loads read the buffer, which no call changes
 * (also with GS pointing at unmapped memory); and all again after GS is
 * set back to 0. With FSGSBASE (AT_HWCAP2), also after wrgsbase.
 */
#include "syspatch.h"
#include <asm/prctl.h>
#include <pthread.h>
#include <sys/auxv.h>
#include <sys/mman.h>

SITE(s_getpid, SYS_getpid)
SITE(s_gettid, SYS_gettid)
SITE(s_write, SYS_write)
SITE(s_arch_prctl, SYS_arch_prctl)
SITE(s_gs_first, SYS_gettid)
SITE(s_other_first, SYS_gettid)
SITE(s_after_first, SYS_gettid)
SP_REGS_FN(r_gettid, SYS_gettid)

#define N 1000
#define GSBUF 4096

static uint64_t gsbuf[GSBUF / 8] __attribute__((aligned(4096)));
static pid_t pid;
static int devnull, mode;
static pthread_barrier_t bar;

static uint64_t gs_at(long off)
{
	uint64_t v;
	__asm__ volatile("mov %%gs:(%1), %0" : "=r"(v) : "r"(off) : "memory");
	return v;
}

static long get_gs(void)
{
	unsigned long gs = 0xdead;
	long r = s_arch_prctl(ARCH_GET_GS, (long)&gs, 0, 0, 0, 0);
	return r ? r : (long)gs;
}

static void fill_gsbuf(void)
{
	for (int i = 0; i < GSBUF / 8; i++)
		gsbuf[i] = 0x6773000000000000ULL + i;
}

static int gsbuf_intact(void)
{
	for (int i = 0; i < GSBUF / 8; i++)
		if (gsbuf[i] != 0x6773000000000000ULL + i) {
			FAIL("gs buffer qword %d is 0x%llx", i, (unsigned long long)gsbuf[i]);
			return 0;
		}
	return 1;
}

/* calls: n rounds of every site this thread uses, checked. */
static int calls(pid_t tid, long (*first)(long, long, long, long, long, long), int n,
		 const char *what)
{
	struct sp_regs regs;
	for (int i = 0; i < n; i++) {
		long a = s_getpid(0, 0, 0, 0, 0, 0), b = s_gettid(0, 0, 0, 0, 0, 0),
		     c = s_write(devnull, (long)"gs", 2, 0, 0, 0), d = first(0, 0, 0, 0, 0, 0);
		if (a != pid || b != tid || c != 2 || d != tid) {
			FAIL("%s call %d: getpid %ld gettid %ld write %ld first-site %ld, want "
			     "%d %d 2 %d", what, i, a, b, c, d, pid, tid, tid);
			return 0;
		}
		if (i % 8 == 0) {
			sp_regs_fill(&regs, i + 5, mode, i & 16);
			r_gettid(&regs);
			if ((long)regs.out[SP_RAX] != tid || sp_regs_check(&regs, what)) {
				FAIL("%s: regs site call %d returned %lld", what, i,
				     (long long)regs.out[SP_RAX]);
				return 0;
			}
		}
	}
	return 1;
}

static volatile int handled, handler_bad;
static pid_t gs_tid;
static void on_usr1(int sig)
{
	(void)sig;
	handled++;
	if (gs_at(0) != gsbuf[0] || gs_at(8) != gsbuf[1] ||
	    s_gettid(0, 0, 0, 0, 0, 0) != gs_tid || get_gs() != (long)gsbuf)
		handler_bad++;
}

static volatile int gs_phase;

static void *gs_thread(void *arg)
{
	(void)arg;
	pid_t tid = syscall(SYS_gettid);
	gs_tid = tid;
	CHECK_EQ(get_gs(), 0);
	CHECK_EQ(s_arch_prctl(ARCH_SET_GS, (long)gsbuf, 0, 0, 0, 0), 0);
	CHECK_EQ(get_gs(), (long)gsbuf);
	CHECK_EQ(gs_at(0), gsbuf[0]);
	CHECK_EQ(gs_at(GSBUF - 8), gsbuf[GSBUF / 8 - 1]);
	pthread_barrier_wait(&bar); /* 1: GS set; the other thread starts */
	calls(tid, s_gs_first, N, "gs thread");
	CHECK_EQ(get_gs(), (long)gsbuf);
	CHECK_EQ(gs_at(16), gsbuf[2]);
	gsbuf_intact();

	/* Signals into the GS thread while it runs the sites. */
	gs_phase = 1;
	while (gs_phase == 1)
		calls(tid, s_gs_first, 10, "gs thread, signals");
	CHECK_EQ(handler_bad, 0);

	/* A child forked here keeps GS. */
	pid_t c = test_fork();
	if (c == 0) {
		pid_t cp = syscall(SYS_getpid);
		pid = cp;
		CHECK_EQ(get_gs(), (long)gsbuf);
		CHECK_EQ(gs_at(24), gsbuf[3]);
		calls(cp, s_gs_first, 100, "child of gs thread");
		gsbuf_intact();
		child_exit();
	}
	int st;
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK_CHILD_OK(st);

	/* GS pointing at nothing mapped: calls still work. */
	void *hole = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK_NE(hole, MAP_FAILED);
	CHECK_EQ(s_arch_prctl(ARCH_SET_GS, (long)hole, 0, 0, 0, 0), 0);
	calls(tid, s_gs_first, N / 4, "gs on PROT_NONE");
	CHECK_EQ(get_gs(), (long)hole);
	CHECK_OK(munmap(hole, 4096));
	calls(tid, s_gs_first, N / 4, "gs on unmapped");
	CHECK_EQ(get_gs(), (long)hole);
	CHECK_EQ(s_arch_prctl(ARCH_SET_GS, (long)gsbuf, 0, 0, 0, 0), 0);
	CHECK_EQ(gs_at(0), gsbuf[0]);

	/* GS back to 0, from the same site, and on. */
	CHECK_EQ(s_arch_prctl(ARCH_SET_GS, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(get_gs(), 0);
	calls(tid, s_after_first, N, "gs thread after reset");
	CHECK_EQ(get_gs(), 0);
	/* And set and reset many times, each followed by calls. */
	for (int i = 0; i < 100; i++) {
		long want = i & 1 ? 0 : (long)gsbuf;
		if (s_arch_prctl(ARCH_SET_GS, want, 0, 0, 0, 0) != 0 || get_gs() != want ||
		    !calls(tid, s_gs_first, 3, "gs toggling")) {
			FAIL("gs toggle %d", i);
			break;
		}
	}
	CHECK_EQ(get_gs(), 0);
	pthread_barrier_wait(&bar); /* 2: done */
	return NULL;
}

static void *other_thread(void *arg)
{
	(void)arg;
	pid_t tid = syscall(SYS_gettid);
	pthread_barrier_wait(&bar); /* 1 */
	calls(tid, s_other_first, N, "other thread");
	CHECK_EQ(get_gs(), 0);
	pthread_barrier_wait(&bar); /* 2 */
	return NULL;
}

/* With FSGSBASE the GS base can change without a syscall. */
static void test_wrgsbase(void)
{
	if (!(getauxval(AT_HWCAP2) & 2))
		return;
	pid_t tid = syscall(SYS_gettid);
	__asm__ volatile("wrgsbase %0" : : "r"((uint64_t)gsbuf) : "memory");
	calls(tid, s_gettid, N / 4, "after wrgsbase");
	CHECK_EQ(gs_at(0), gsbuf[0]);
	CHECK_EQ(get_gs(), (long)gsbuf);
	__asm__ volatile("wrgsbase %0" : : "r"((uint64_t)0) : "memory");
	CHECK_EQ(get_gs(), 0);
	calls(tid, s_gettid, N / 4, "after wrgsbase 0");
}

int main(void)
{
	pid = getpid();
	mode = sp_mode();
	devnull = open("/dev/null", O_WRONLY);
	ASSERT_OK(devnull);
	fill_gsbuf();
	CHECK_SITE(s_getpid, SYS_getpid);
	CHECK_SITE(s_gettid, SYS_gettid);
	CHECK_SITE(s_write, SYS_write);
	CHECK_SITE(s_arch_prctl, SYS_arch_prctl);
	CHECK_SITE(s_gs_first, SYS_gettid);
	CHECK_SITE(s_other_first, SYS_gettid);
	CHECK_SITE(s_after_first, SYS_gettid);
	CHECK_SITE(r_gettid, SYS_gettid);

	/* The shared sites are used (patched) before any GS is set. */
	for (int i = 0; i < N; i++)
		if (get_gs() != 0) {
			FAIL("ARCH_GET_GS at start");
			break;
		}
	calls(pid, s_gettid, N, "main before");

	signal(SIGUSR1, on_usr1);
	ASSERT_EQ(pthread_barrier_init(&bar, NULL, 3), 0);
	pthread_t g, o;
	ASSERT_EQ(pthread_create(&g, NULL, gs_thread, NULL), 0);
	ASSERT_EQ(pthread_create(&o, NULL, other_thread, NULL), 0);
	pthread_barrier_wait(&bar); /* 1 */
	/* The main thread keeps GS 0 and runs the sites too. */
	calls(pid, s_gettid, N / 2, "main during");
	CHECK_EQ(get_gs(), 0);
	while (gs_phase == 0)
		usleep(1000);
	for (int i = 0; i < 50; i++) {
		CHECK_EQ(pthread_kill(g, SIGUSR1), 0);
		usleep(500);
	}
	long long t0 = now_ns();
	while (handled == 0 && now_ns() - t0 < 1000000000LL)
		usleep(1000);
	gs_phase = 2;
	pthread_barrier_wait(&bar); /* 2 */
	CHECK_EQ(pthread_join(g, NULL), 0);
	CHECK_EQ(pthread_join(o, NULL), 0);
	CHECK_GT(handled, 0);
	CHECK_EQ(handler_bad, 0);
	gsbuf_intact();
	CHECK_EQ(get_gs(), 0);
	calls(pid, s_after_first, N / 2, "main after");
	test_wrgsbase();
	return test_done();
}
