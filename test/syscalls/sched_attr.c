//go:build ignore

/* sched_setattr(2) and sched_getattr(2): struct sched_attr's size rules,
 * every policy with its parameters and flags, agreement with
 * sched_setscheduler/sched_getparam/getpriority/setpriority, and what
 * reset-on-fork and an unprivileged caller get. */
#include "testutil.h"
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <sys/resource.h>

#define POLICY_DEADLINE 6
#define F_RESET_ON_FORK 0x01
#define F_RECLAIM 0x02
#define F_DL_OVERRUN 0x04
#define F_KEEP_POLICY 0x08
#define F_KEEP_PARAMS 0x10
#define F_UTIL_CLAMP_MIN 0x20
#define RESET_ON_FORK 0x40000000

struct attr {
	uint32_t size, policy;
	uint64_t flags;
	int32_t nice;
	uint32_t prio;
	uint64_t runtime, deadline, period;
	uint32_t util_min, util_max;
	unsigned char extra[72];
};

static long setattr(pid_t pid, struct attr *a, unsigned flags) { return syscall(SYS_sched_setattr, pid, a, flags); }
static long getattr(pid_t pid, struct attr *a, unsigned size, unsigned flags)
{
	return syscall(SYS_sched_getattr, pid, a, size, flags);
}

/* set builds a 56-byte struct and applies it to the caller. */
static long set(uint32_t policy, uint64_t flags, int nice, uint32_t prio, uint64_t rt, uint64_t dl, uint64_t per)
{
	struct attr a = {.size = 56, .policy = policy, .flags = flags, .nice = nice, .prio = prio,
			 .runtime = rt, .deadline = dl, .period = per};
	return setattr(0, &a, 0);
}

static struct attr get(void)
{
	struct attr a;
	memset(&a, 0, sizeof a);
	CHECK_OK(getattr(0, &a, 56, 0));
	return a;
}

/* Deadline admission: each thread asks for half a CPU, reports the
 * errno (0 for success) on dl_result and holds its reservation until
 * dl_block is closed. */
#define MAX_DL_THREADS 64
static int dl_result[2], dl_block[2];

static void *dl_thread(void *arg)
{
	(void)arg;
	char r = 0;
	if (set(POLICY_DEADLINE, 0, 0, 0, 50000000, 100000000, 0) != 0)
		r = errno;
	if (write(dl_result[1], &r, 1) != 1)
		return NULL;
	char b;
	while (read(dl_block[0], &b, 1) > 0)
		;
	return NULL;
}

int main(void)
{
	ASSERT_OK(pipe(dl_result));
	struct attr a;
	memset(&a, 0xaa, sizeof a);
	ASSERT_OK(getattr(0, &a, sizeof a, 0));
	/* Default: SCHED_OTHER, nice 0, the default time slice. */
	CHECK_EQ(a.size, 56);
	CHECK_EQ(a.policy, SCHED_OTHER);
	CHECK_EQ(a.flags, 0);
	CHECK_EQ(a.nice, 0);
	CHECK_EQ(a.prio, 0);
	CHECK_GT(a.runtime, 0);
	CHECK_EQ(a.deadline, 0);
	CHECK_EQ(a.period, 0);
	CHECK_EQ(a.util_min, 0);
	CHECK(a.util_max == 0 || a.util_max == 1024);
	int uclamp = a.util_max != 0;
	uint64_t slice = a.runtime;
	/* Past what the kernel knows, a larger struct gets zeros. */
	CHECK_EQ(a.extra[0], 0);
	CHECK_EQ(a.extra[71], 0);

	/* getattr: a shorter struct gets what fits, and size says so. */
	memset(&a, 0xaa, sizeof a);
	CHECK_OK(getattr(0, &a, 48, 0));
	CHECK_EQ(a.size, 48);
	CHECK_EQ(a.policy, SCHED_OTHER);
	CHECK_EQ(a.util_min, 0xaaaaaaaa);
	static unsigned char page[4096];
	memset(page, 0xaa, sizeof page);
	CHECK_OK(getattr(0, (struct attr *)page, 4096, 0));
	CHECK_EQ(((struct attr *)page)->size, 56);
	CHECK_EQ(page[56], 0);
	CHECK_EQ(page[4095], 0);
	CHECK_ERRNO(getattr(0, &a, 47, 0), -1, EINVAL);
	CHECK_ERRNO(getattr(0, &a, 4097, 0), -1, EINVAL);
	CHECK_ERRNO(getattr(0, &a, 56, 1), -1, EINVAL);
	CHECK_ERRNO(getattr(-1, &a, 56, 0), -1, EINVAL);
	CHECK_ERRNO(getattr(0, NULL, 56, 0), -1, EINVAL);
	CHECK_ERRNO(getattr(0x3fffffff, &a, 56, 0), -1, ESRCH);
	CHECK_ERRNO(getattr(0, (void *)8, 56, 0), -1, EFAULT);
	CHECK_OK(getattr(getpid(), &a, 56, 0));

	/* setattr sizes: too small, past a page, or a larger struct with
	 * something in its extra bytes is E2BIG, with the size the kernel
	 * knows written back; 0 means the first version (48 bytes). */
	memset(&a, 0, sizeof a);
	a.size = 40;
	CHECK_ERRNO(setattr(0, &a, 0), -1, E2BIG);
	CHECK_EQ(a.size, 56);
	a.size = 5000;
	CHECK_ERRNO(setattr(0, &a, 0), -1, E2BIG);
	CHECK_EQ(a.size, 56);
	a.size = 64;
	a.extra[7] = 1;
	CHECK_ERRNO(setattr(0, &a, 0), -1, E2BIG);
	CHECK_EQ(a.size, 56);
	a.extra[7] = 0;
	a.size = 64;
	a.nice = 2;
	CHECK_OK(setattr(0, &a, 0));
	CHECK_EQ(getpriority(PRIO_PROCESS, 0), 2);
	memset(&a, 0, sizeof a);
	a.nice = 3;
	CHECK_OK(setattr(0, &a, 0));
	CHECK_EQ(getpriority(PRIO_PROCESS, 0), 3);
	CHECK_ERRNO(setattr(0, &a, 1), -1, EINVAL);
	CHECK_ERRNO(setattr(-1, &a, 0), -1, EINVAL);
	CHECK_ERRNO(setattr(0, NULL, 0), -1, EINVAL);
	CHECK_ERRNO(setattr(0x3fffffff, &a, 0), -1, ESRCH);
	CHECK_ERRNO(setattr(0, (void *)8, 0), -1, EFAULT);

	/* Bad policies, priorities and flags. */
	CHECK_ERRNO(set(SCHED_OTHER, 0, 0, 5, 0, 0, 0), -1, EINVAL);
	CHECK_ERRNO(set(SCHED_FIFO, 0, 0, 0, 0, 0, 0), -1, EINVAL);
	CHECK_ERRNO(set(SCHED_RR, 0, 0, 100, 0, 0, 0), -1, EINVAL);
	CHECK_ERRNO(set(4, 0, 0, 0, 0, 0, 0), -1, EINVAL);
	CHECK_ERRNO(set(7, 0, 0, 0, 0, 0, 0), -1, EINVAL);
	CHECK_ERRNO(set(-1, 0, 0, 0, 0, 0, 0), -1, EINVAL);
	CHECK_ERRNO(set(-1, F_KEEP_POLICY, 0, 0, 0, 0, 0), -1, EINVAL);
	CHECK_ERRNO(set(SCHED_OTHER, 0x80, 0, 0, 0, 0, 0), -1, EINVAL);
	CHECK_ERRNO(set(SCHED_OTHER, 0x10000000, 0, 0, 0, 0, 0), -1, EINVAL);
	CHECK_ERRNO(set(SCHED_OTHER, 1ULL << 32, 0, 0, 0, 0, 0), -1, EINVAL);
	memset(&a, 0, sizeof a);
	a.size = 48;
	a.flags = F_UTIL_CLAMP_MIN;
	CHECK_ERRNO(setattr(0, &a, 0), -1, EINVAL);
	if (!uclamp)
		CHECK_ERRNO(set(SCHED_OTHER, F_UTIL_CLAMP_MIN, 0, 0, 0, 0, 0), -1, EOPNOTSUPP);
	/* The deadline flags mean nothing to other policies. */
	CHECK_OK(set(SCHED_OTHER, F_RECLAIM | F_DL_OVERRUN, 0, 0, 0, 0, 0));
	CHECK_EQ(get().flags, 0);
	CHECK_EQ(get().nice, 0);

	/* Nice values are clamped; the time slice too (0.1 to 100 ms). */
	CHECK_OK(set(SCHED_OTHER, 0, 30, 0, 0, 0, 0));
	CHECK_EQ(get().nice, 19);
	CHECK_EQ(getpriority(PRIO_PROCESS, 0), 19);
	CHECK_OK(set(SCHED_OTHER, 0, 0, 0, 5000000, 0, 0));
	CHECK_EQ(get().runtime, 5000000);
	CHECK_OK(set(SCHED_OTHER, 0, 0, 0, 1, 0, 0));
	CHECK_EQ(get().runtime, 100000);
	CHECK_OK(set(SCHED_OTHER, 0, 0, 0, 500000000, 0, 0));
	CHECK_EQ(get().runtime, 100000000);
	CHECK_OK(set(SCHED_OTHER, 0, 0, 0, 0, 0, 0));
	CHECK_EQ(get().runtime, slice);

	/* One state with the older calls. */
	CHECK_OK(set(SCHED_BATCH, 0, 4, 0, 0, 0, 0));
	CHECK_EQ(sched_getscheduler(0), SCHED_BATCH);
	CHECK_EQ(getpriority(PRIO_PROCESS, 0), 4);
	CHECK_OK(setpriority(PRIO_PROCESS, 0, 7));
	a = get();
	CHECK_EQ(a.policy, SCHED_BATCH);
	CHECK_EQ(a.nice, 7);
	struct sched_param sp = {.sched_priority = 0};
	CHECK_OK(sched_setscheduler(0, SCHED_IDLE, &sp));
	a = get();
	CHECK_EQ(a.policy, SCHED_IDLE);
	CHECK_EQ(a.nice, 7);
	/* Linux leaves a SCHED_IDLE task's nice value alone. */
	CHECK_OK(set(SCHED_IDLE, 0, 1, 0, 0, 0, 0));
	CHECK_EQ(get().nice, 7);
	/* KEEP_POLICY changes the parameters only; KEEP_PARAMS checks the
	 * call with the current parameters and changes nothing. */
	CHECK_OK(set(SCHED_BATCH, 0, 4, 0, 0, 0, 0));
	CHECK_OK(set(SCHED_OTHER, F_KEEP_POLICY, 2, 0, 0, 0, 0));
	a = get();
	CHECK_EQ(a.policy, SCHED_BATCH);
	CHECK_EQ(a.nice, 2);
	CHECK_OK(set(SCHED_IDLE, F_KEEP_PARAMS, 9, 0, 0, 0, 0));
	a = get();
	CHECK_EQ(a.policy, SCHED_BATCH);
	CHECK_EQ(a.nice, 2);
	CHECK_ERRNO(set(SCHED_FIFO, F_KEEP_PARAMS, 0, 0, 0, 0, 0), -1, EINVAL);
	CHECK_OK(set(SCHED_OTHER, 0, 0, 0, 0, 0, 0));
	CHECK_EQ(sched_getscheduler(0), SCHED_OTHER);
	CHECK_EQ(get().nice, 0);

	if (geteuid() == 0) {
		/* Real time: the priority, not the nice value, shows; the
		 * nice value is kept for when the policy is fair again. */
		CHECK_OK(setpriority(PRIO_PROCESS, 0, -3));
		CHECK_OK(set(SCHED_FIFO, 0, 5, 9, 0, 0, 0));
		a = get();
		CHECK_EQ(a.policy, SCHED_FIFO);
		CHECK_EQ(a.prio, 9);
		CHECK_EQ(a.nice, 0);
		CHECK_EQ(a.runtime, 0);
		CHECK_EQ(getpriority(PRIO_PROCESS, 0), -3);
		CHECK_OK(sched_getparam(0, &sp));
		CHECK_EQ(sp.sched_priority, 9);
		sp.sched_priority = 3;
		CHECK_OK(sched_setparam(0, &sp));
		CHECK_EQ(get().prio, 3);
		CHECK_OK(set(SCHED_RR, F_KEEP_PARAMS, 0, 0, 0, 0, 0));
		CHECK_EQ(get().policy, SCHED_FIFO);
		/* (the kept priority does not suit a fair policy) */
		CHECK_ERRNO(set(SCHED_OTHER, F_KEEP_PARAMS, 0, 0, 0, 0, 0), -1, EINVAL);
		sp.sched_priority = 0;
		CHECK_OK(sched_setscheduler(0, SCHED_OTHER, &sp));
		a = get();
		CHECK_EQ(a.policy, SCHED_OTHER);
		CHECK_EQ(a.nice, -3);
		CHECK_EQ(a.prio, 0);

		/* Reset-on-fork: the child starts fair, at nice 0. */
		CHECK_OK(set(SCHED_RR, F_RESET_ON_FORK, 0, 5, 0, 0, 0));
		CHECK_EQ(sched_getscheduler(0), SCHED_RR | RESET_ON_FORK);
		CHECK_EQ(get().flags, F_RESET_ON_FORK);
		pid_t c = test_fork();
		if (c == 0) {
			a = get();
			CHECK_EQ(a.policy, SCHED_OTHER);
			CHECK_EQ(a.flags, 0);
			CHECK_EQ(a.nice, 0);
			CHECK_EQ(a.prio, 0);
			CHECK_EQ(sched_getscheduler(0), SCHED_OTHER);
			child_exit();
		}
		int st;
		CHECK_EQ(waitpid(c, &st, 0), c);
		CHECK_CHILD_OK(st);
		/* sched_setparam keeps the flag; sched_setscheduler without
		 * it drops it. */
		sp.sched_priority = 6;
		CHECK_OK(sched_setparam(0, &sp));
		CHECK_EQ(sched_getscheduler(0), SCHED_RR | RESET_ON_FORK);
		CHECK_OK(set(SCHED_BATCH, F_RESET_ON_FORK, -4, 0, 0, 0, 0));
		c = test_fork();
		if (c == 0) {
			a = get();
			CHECK_EQ(a.policy, SCHED_BATCH);
			CHECK_EQ(a.nice, 0);
			child_exit();
		}
		CHECK_EQ(waitpid(c, &st, 0), c);
		CHECK_CHILD_OK(st);
		sp.sched_priority = 0;
		CHECK_OK(sched_setscheduler(0, SCHED_OTHER, &sp));
		CHECK_EQ(get().flags, 0);
		CHECK_EQ(get().nice, -4);

		/* SCHED_DEADLINE: runtime <= deadline <= period (the period
		 * defaults to the deadline), at least 1024 ns of runtime, a
		 * period of 100 us to about 4 s, no priority. */
		CHECK_EQ(sched_get_priority_max(POLICY_DEADLINE), 0);
		CHECK_EQ(sched_get_priority_min(POLICY_DEADLINE), 0);
		CHECK_ERRNO(set(POLICY_DEADLINE, 0, 0, 0, 0, 0, 0), -1, EINVAL);
		CHECK_ERRNO(set(POLICY_DEADLINE, 0, 0, 0, 1000, 2000000, 0), -1, EINVAL);
		CHECK_ERRNO(set(POLICY_DEADLINE, 0, 0, 0, 10000, 50000, 0), -1, EINVAL);
		CHECK_ERRNO(set(POLICY_DEADLINE, 0, 0, 0, 10000, 5000000000ULL, 0), -1, EINVAL);
		CHECK_ERRNO(set(POLICY_DEADLINE, 0, 0, 0, 3000000, 2000000, 0), -1, EINVAL);
		CHECK_ERRNO(set(POLICY_DEADLINE, 0, 0, 0, 1000000, 2000000, 1000000), -1, EINVAL);
		CHECK_ERRNO(set(POLICY_DEADLINE, 0, 0, 0, 1000000, 0, 2000000), -1, EINVAL);
		CHECK_ERRNO(set(POLICY_DEADLINE, 0, 0, 5, 1000000, 2000000, 0), -1, EINVAL);
		sp.sched_priority = 0;
		CHECK_ERRNO(sched_setscheduler(0, POLICY_DEADLINE, &sp), -1, EINVAL);
		CHECK_OK(set(POLICY_DEADLINE, F_RECLAIM, 7, 0, 1024, 2000000, 0));
		a = get();
		CHECK_EQ(a.policy, POLICY_DEADLINE);
		CHECK_EQ(a.flags, F_RECLAIM);
		CHECK_EQ(a.runtime, 1024);
		CHECK_EQ(a.deadline, 2000000);
		CHECK_EQ(a.period, 2000000);
		CHECK_EQ(a.nice, 0);
		CHECK_EQ(getpriority(PRIO_PROCESS, 0), -4);
		CHECK_EQ(sched_getscheduler(0), POLICY_DEADLINE);
		CHECK_OK(sched_getparam(0, &sp));
		CHECK_EQ(sp.sched_priority, 0);
		/* A deadline task may not fork, unless with reset-on-fork. */
		CHECK_ERRNO(fork(), -1, EAGAIN);
		CHECK_OK(set(POLICY_DEADLINE, F_RESET_ON_FORK, 0, 0, 1000000, 2000000, 4000000));
		a = get();
		CHECK_EQ(a.flags, F_RESET_ON_FORK);
		CHECK_EQ(a.period, 4000000);
		c = test_fork();
		if (c == 0) {
			a = get();
			CHECK_EQ(a.policy, SCHED_OTHER);
			CHECK_EQ(a.flags, 0);
			CHECK_EQ(a.runtime, slice);
			CHECK_EQ(a.deadline, 0);
			CHECK_EQ(getpriority(PRIO_PROCESS, 0), 0);
			child_exit();
		}
		CHECK_EQ(waitpid(c, &st, 0), c);
		CHECK_CHILD_OK(st);
		CHECK_OK(set(SCHED_OTHER, 0, -4, 0, 0, 0, 0));
		a = get();
		CHECK_EQ(a.policy, SCHED_OTHER);
		CHECK_EQ(a.deadline, 0);
		CHECK_EQ(a.runtime, slice);
		CHECK_OK(fork() == 0 ? (_exit(0), 0) : 0);
		wait(NULL);

		/* Admission: deadline tasks may reserve 90% of each CPU
		 * (95% less the fair servers' 5%), and run on every CPU. */
		int ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		ASSERT_GE(ncpu, 1);
		int want = 18 * ncpu / 10, nth = want + 2;
		ASSERT_GE(MAX_DL_THREADS, nth);
		ASSERT_OK(pipe(dl_block));
		pthread_t th[MAX_DL_THREADS];
		int admitted = 0, busy = 0;
		for (int i = 0; i < nth; i++) {
			ASSERT_EQ(pthread_create(&th[i], NULL, dl_thread, NULL), 0);
			char r;
			ASSERT_EQ(read(dl_result[0], &r, 1), 1);
			if (r == 0)
				admitted++;
			else if (r == EBUSY)
				busy++;
			else
				FAIL("deadline thread %d: errno %d", i, r);
		}
		CHECK_EQ(admitted, want);
		CHECK_EQ(busy, nth - want);
		close(dl_block[1]);
		for (int i = 0; i < nth; i++)
			pthread_join(th[i], NULL);
		close(dl_block[0]);
		if (ncpu > 1) {
			cpu_set_t one, all;
			ASSERT_OK(sched_getaffinity(0, sizeof all, &all));
			CPU_ZERO(&one);
			CPU_SET(0, &one);
			ASSERT_OK(sched_setaffinity(0, sizeof one, &one));
			CHECK_ERRNO(set(POLICY_DEADLINE, 0, 0, 0, 10000, 10000000, 0), -1, EPERM);
			ASSERT_OK(sched_setaffinity(0, sizeof all, &all));
			c = test_fork();
			if (c == 0) {
				CHECK_OK(set(POLICY_DEADLINE, 0, 0, 0, 10000, 10000000, 0));
				CHECK_ERRNO(sched_setaffinity(0, sizeof one, &one), -1, EBUSY);
				CHECK_OK(sched_setaffinity(0, sizeof all, &all));
				child_exit();
			}
			CHECK_EQ(waitpid(c, &st, 0), c);
			CHECK_CHILD_OK(st);
		}

		/* Without CAP_SYS_NICE: lower nice values, real time and
		 * deadline are refused (RLIMIT_NICE and RLIMIT_RTPRIO 0), as
		 * are other users' threads and dropping reset-on-fork. */
		pid_t self = getpid();
		c = test_fork();
		if (c == 0) {
			struct rlimit zero = {0, 0};
			CHECK_OK(setrlimit(RLIMIT_NICE, &zero));
			CHECK_OK(setrlimit(RLIMIT_RTPRIO, &zero));
			CHECK_OK(setpriority(PRIO_PROCESS, 0, 5));
			CHECK_OK(setresgid(54321, 54321, 54321));
			CHECK_OK(setresuid(54321, 54321, 54321));
			CHECK_OK(set(SCHED_OTHER, 0, 6, 0, 0, 0, 0));
			CHECK_ERRNO(set(SCHED_OTHER, 0, 5, 0, 0, 0, 0), -1, EPERM);
			CHECK_ERRNO(set(SCHED_FIFO, 0, 0, 1, 0, 0, 0), -1, EPERM);
			CHECK_ERRNO(set(POLICY_DEADLINE, 0, 0, 0, 1000000, 2000000, 0), -1, EPERM);
			CHECK_ERRNO(set(POLICY_DEADLINE, 0, 0, 0, 1000, 2000000, 0), -1, EINVAL);
			sp.sched_priority = 1;
			CHECK_ERRNO(sched_setscheduler(0, SCHED_RR, &sp), -1, EPERM);
			a = get();
			CHECK_EQ(a.policy, SCHED_OTHER);
			CHECK_EQ(a.nice, 6);
			CHECK_OK(getattr(self, &a, 56, 0));
			CHECK_EQ(a.nice, -4);
			a.nice = 10;
			CHECK_ERRNO(setattr(self, &a, 0), -1, EPERM);
			CHECK_OK(set(SCHED_BATCH, F_RESET_ON_FORK, 6, 0, 0, 0, 0));
			CHECK_ERRNO(set(SCHED_BATCH, 0, 6, 0, 0, 0, 0), -1, EPERM);
			CHECK_OK(set(SCHED_IDLE, F_RESET_ON_FORK, 6, 0, 0, 0, 0));
			/* Leaving SCHED_IDLE needs RLIMIT_NICE to allow the
			 * nice value. */
			CHECK_ERRNO(set(SCHED_OTHER, F_RESET_ON_FORK, 6, 0, 0, 0, 0), -1, EPERM);
			child_exit();
		}
		CHECK_EQ(waitpid(c, &st, 0), c);
		CHECK_CHILD_OK(st);
		CHECK_EQ(get().nice, -4);
	}
	return test_done();
}
