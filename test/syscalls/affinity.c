//go:build ignore

/* sched_getaffinity and sched_setaffinity: at least one CPU, sizes, errors. */
#include "testutil.h"
#include <sched.h>
#include <sys/sysinfo.h>

int main(void)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	/* The raw syscall returns the number of bytes written: a multiple of
	 * sizeof(long) covering the kernel's CPU ids. */
	long n = RAW(SYS_sched_getaffinity, 0, sizeof(set), &set);
	CHECK_GT(n, 0);
	CHECK_EQ(n % sizeof(long), 0);
	CHECK_LE(n, (long)sizeof(set));
	int count = CPU_COUNT(&set);
	CHECK_GE(count, 1);
	/* No more CPUs than configured. */
	CHECK_LE(count, get_nprocs_conf());
	CHECK_GE(sysconf(_SC_NPROCESSORS_ONLN), count);
	/* Our own pid and tid give the same mask. */
	cpu_set_t s2;
	CPU_ZERO(&s2);
	CHECK_EQ(RAW(SYS_sched_getaffinity, getpid(), sizeof(s2), &s2), n);
	CHECK(CPU_EQUAL(&set, &s2));
	/* The libc wrapper returns 0. */
	CHECK_EQ(sched_getaffinity(0, sizeof(s2), &s2), 0);
	CHECK(CPU_EQUAL(&set, &s2));
	/* A size of exactly n works. */
	CHECK_EQ(RAW(SYS_sched_getaffinity, 0, n, &s2), n);

	/* The CPU we run on is in the mask. */
	unsigned cpu = 99999, node = 99999;
	CHECK_EQ(RAW(SYS_getcpu, &cpu, &node, NULL), 0);
	CHECK(CPU_ISSET(cpu, &set));
	CHECK_LT(node, 1024);

	/* Setting the same mask succeeds; a single CPU too, and getaffinity shows it. */
	CHECK_EQ(RAW(SYS_sched_setaffinity, 0, sizeof(set), &set), 0);
	int first = -1;
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &set)) {
			first = i;
			break;
		}
	ASSERT_GE(first, 0);
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(first, &one);
	CHECK_EQ(RAW(SYS_sched_setaffinity, 0, sizeof(one), &one), 0);
	CPU_ZERO(&s2);
	CHECK_EQ(RAW(SYS_sched_getaffinity, 0, sizeof(s2), &s2), n);
	CHECK_EQ(CPU_COUNT(&s2), 1);
	CHECK(CPU_ISSET(first, &s2));
	CHECK_EQ(RAW(SYS_getcpu, &cpu, NULL, NULL), 0);
	CHECK_EQ(cpu, first);
	CHECK_EQ(RAW(SYS_sched_setaffinity, 0, sizeof(set), &set), 0);

	/* Errors. A size too small for the kernel's mask, or not a multiple
	 * of sizeof(long): EINVAL. */
	unsigned char tiny[8];
	CHECK_ERRNO(RAW(SYS_sched_getaffinity, 0, 1, tiny), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_sched_getaffinity, 0, 0, tiny), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_sched_getaffinity, 0, 4, tiny), -1, EINVAL);
	/* An empty mask cannot be set. */
	cpu_set_t none;
	CPU_ZERO(&none);
	CHECK_ERRNO(RAW(SYS_sched_setaffinity, 0, sizeof(none), &none), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_sched_getaffinity, 0x3fffffff, sizeof(s2), &s2), -1, ESRCH);
	/* A negative pid names no task: ESRCH, after the size checks
	 * (Python's os.sched_getaffinity(-1) grows its set on EINVAL). */
	CHECK_ERRNO(RAW(SYS_sched_getaffinity, -1, sizeof(s2), &s2), -1, ESRCH);
	CHECK_ERRNO(RAW(SYS_sched_getaffinity, -1, 4, tiny), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_sched_setaffinity, -1, sizeof(set), &set), -1, ESRCH);
	CHECK_ERRNO(RAW(SYS_sched_setaffinity, -1, 0, &set), -1, ESRCH);
	CHECK_ERRNO(RAW(SYS_sched_getaffinity, 0, sizeof(s2), (void *)8), -1, EFAULT);
	return test_done();
}
