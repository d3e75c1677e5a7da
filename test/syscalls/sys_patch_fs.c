//go:build ignore

/*
 * "mov $NR, %eax; syscall" sites (see syspatch.h) under FS bases that the
 * test sets with arch_prctl(ARCH_SET_FS), itself made from a site. A
 * platform whose fast path for such sites finds its thread through the
 * thread pointer at %fs:0 must keep every call right, and from the right
 * thread: with FS pointing at a block that holds its own address (a TLS
 * block as the ABI lays it out), at one holding zero or a value that is
 * no address, at memory that is not mapped or not readable, at 0; with
 * two threads on one FS base at once; with many threads, more than share
 * nothing; with registers and red zone checked around the calls; and
 * with the thread's own FS base back afterwards. While FS is not the
 * thread's own, the test touches no TLS (no errno, no stdio): results
 * are kept and checked afterwards.
 */
#include "syspatch.h"
#include <asm/prctl.h>
#include <pthread.h>
#include <sys/mman.h>

SITE(s_getpid, SYS_getpid)
SITE(s_gettid, SYS_gettid)
SITE(s_arch_prctl, SYS_arch_prctl)
SP_REGS_FN(r_gettid, SYS_gettid)

#define N 2000
#define NT 40

static pid_t pid;
static int mode;

static long get_fs(void)
{
	unsigned long fs = 0;
	long r = s_arch_prctl(ARCH_GET_FS, (long)&fs, 0, 0, 0, 0);
	return r ? r : (long)fs;
}

/* run is what n rounds of sites under one FS base gave. */
struct run {
	long set, restore; /* the two arch_prctl results */
	long got_fs;       /* ARCH_GET_FS under the new base */
	int bad;           /* calls with a wrong result */
	long first_bad_tid, first_bad_pid;
	pid_t tid;
	struct sp_regs regs;
};

/* sites makes n rounds of calls, counting wrong results; it touches no
 * TLS. */
static void sites(struct run *r, pid_t tid, int n)
{
	for (int i = 0; i < n; i++) {
		long a = s_gettid(0, 0, 0, 0, 0, 0), b = s_getpid(0, 0, 0, 0, 0, 0);
		if (a != tid || b != pid) {
			if (r->bad++ == 0) {
				r->first_bad_tid = a;
				r->first_bad_pid = b;
			}
		}
	}
}

/* under runs the sites with FS base fs, then puts the thread's own back. */
static void under(struct run *r, pid_t tid, long fs, int n)
{
	long own = get_fs();
	memset(r, 0, sizeof(*r));
	sp_regs_fill(&r->regs, (uint64_t)fs ^ (uint64_t)tid, mode, n & 1);
	r->set = s_arch_prctl(ARCH_SET_FS, fs, 0, 0, 0, 0);
	r->got_fs = get_fs();
	sites(r, tid, n);
	r_gettid(&r->regs);
	sites(r, tid, n);
	r->restore = s_arch_prctl(ARCH_SET_FS, own, 0, 0, 0, 0);
}

static void check_run(struct run *r, pid_t tid, long fs, const char *what)
{
	if (r->set != 0 || r->restore != 0 || r->got_fs != fs)
		FAIL("%s: ARCH_SET_FS %ld, back %ld, ARCH_GET_FS 0x%lx, want 0 0 0x%lx", what, r->set,
		     r->restore, r->got_fs, fs);
	if (r->bad)
		FAIL("%s: %d wrong results, first gettid %ld getpid %ld, want %d %d", what, r->bad,
		     r->first_bad_tid, r->first_bad_pid, tid, pid);
	if ((long)r->regs.out[SP_RAX] != tid)
		FAIL("%s: regs site returned %lld, want %d", what, (long long)r->regs.out[SP_RAX], tid);
	sp_regs_check(&r->regs, what);
}

/* A page-aligned block per case: word 0 is what %fs:0 reads. */
static uint64_t blocks[4][512] __attribute__((aligned(4096)));

static void one_thread_cases(pid_t tid, int n)
{
	static struct run r;
	blocks[0][0] = (uint64_t)blocks[0];         /* a thread pointer */
	blocks[1][0] = 0;                           /* nothing */
	blocks[2][0] = 0xffff800000001000ULL;      /* no user address */
	blocks[3][0] = (uint64_t)blocks[3] + 64;    /* some other address */
	void *none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK_NE(none, MAP_FAILED);
	void *gone = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK_NE(gone, MAP_FAILED);
	CHECK_OK(munmap(gone, 4096));
	struct {
		const char *what;
		long fs;
	} cases[] = {
		{"thread pointer", (long)blocks[0]},
		{"zero at fs:0", (long)blocks[1]},
		{"no address at fs:0", (long)blocks[2]},
		{"other address at fs:0", (long)blocks[3]},
		{"PROT_NONE", (long)none},
		{"unmapped", (long)gone},
		{"FS base 0", 0},
		{"thread pointer again", (long)blocks[0]},
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		under(&r, tid, cases[i].fs, n);
		check_run(&r, tid, cases[i].fs, cases[i].what);
	}
	munmap(none, 4096);
}

/* Two threads on one FS base: a thread takes the main thread's while
 * the main thread runs the sites too. */
static long main_fs;
static pthread_barrier_t bar;
static struct run shared_run;
static pid_t sharer_tid;

static void *sharer(void *arg)
{
	(void)arg;
	sharer_tid = syscall(SYS_gettid);
	pthread_barrier_wait(&bar);
	under(&shared_run, sharer_tid, main_fs, N);
	pthread_barrier_wait(&bar);
	return NULL;
}

/* Many threads, each on its own TLS. */
static volatile int go;
static void *many(void *arg)
{
	struct run *r = arg;
	pid_t tid = syscall(SYS_gettid);
	while (!go)
		sched_yield();
	r->tid = tid;
	sites(r, tid, N / 4);
	return NULL;
}

int main(void)
{
	pid = getpid();
	mode = sp_mode();
	CHECK_SITE(s_getpid, SYS_getpid);
	CHECK_SITE(s_gettid, SYS_gettid);
	CHECK_SITE(s_arch_prctl, SYS_arch_prctl);
	CHECK_SITE(r_gettid, SYS_gettid);
	main_fs = get_fs();
	CHECK_NE(main_fs, 0);
	CHECK_EQ(*(long *)main_fs, main_fs); /* glibc's TCB: itself */

	/* The sites are patched first, in the thread's own TLS. */
	static struct run r;
	memset(&r, 0, sizeof(r));
	sites(&r, pid, N);
	CHECK_EQ(r.bad, 0);
	one_thread_cases(pid, N);

	/* The same in a second thread, then the shared FS base. */
	ASSERT_EQ(pthread_barrier_init(&bar, NULL, 2), 0);
	pthread_t t;
	ASSERT_EQ(pthread_create(&t, NULL, sharer, NULL), 0);
	pthread_barrier_wait(&bar);
	memset(&r, 0, sizeof(r));
	sites(&r, pid, 4 * N);
	pthread_barrier_wait(&bar);
	CHECK_EQ(pthread_join(t, NULL), 0);
	CHECK_EQ(r.bad, 0);
	check_run(&shared_run, sharer_tid, main_fs, "FS base of the main thread");
	/* The main thread alone on its FS base again. */
	memset(&r, 0, sizeof(r));
	sites(&r, pid, N);
	CHECK_EQ(r.bad, 0);

	static struct run runs[NT];
	pthread_t ts[NT];
	for (int i = 0; i < NT; i++)
		ASSERT_EQ(pthread_create(&ts[i], NULL, many, &runs[i]), 0);
	go = 1;
	for (int i = 0; i < NT; i++) {
		CHECK_EQ(pthread_join(ts[i], NULL), 0);
		if (runs[i].bad)
			FAIL("thread %d (tid %d): %d wrong results, first gettid %ld", i, runs[i].tid,
			     runs[i].bad, runs[i].first_bad_tid);
	}
	CHECK_EQ(get_fs(), main_fs);
	return test_done();
}
