//go:build ignore

/* sysinfo: uptime, memory sizes and units, process count; agrees with other calls. */
#include "testutil.h"
#include <sys/sysinfo.h>

int main(void)
{
	struct sysinfo si;
	memset(&si, 0xff, sizeof(si));
	CHECK_EQ(RAW(SYS_sysinfo, &si), 0);
	CHECK_GT(si.uptime, 0);
	CHECK_GT(si.totalram, 0);
	CHECK_LE(si.freeram, si.totalram);
	CHECK_LE(si.sharedram, si.totalram);
	CHECK_LE(si.bufferram, si.totalram);
	CHECK_LE(si.freeswap, si.totalswap);
	CHECK_LE(si.freehigh, si.totalhigh);
	CHECK_GE(si.mem_unit, 1);
	/* mem_unit is a power of two. */
	CHECK_EQ(si.mem_unit & (si.mem_unit - 1), 0);
	/* At least 16 MiB and at most 64 TiB of RAM. */
	unsigned long long total = (unsigned long long)si.totalram * si.mem_unit;
	CHECK_GE(total, 16ULL << 20);
	CHECK_LE(total, 64ULL << 40);
	/* At least this process. */
	CHECK_GE(si.procs, 1);
	/* Load averages are fixed-point (<< 16) and finite. */
	CHECK_LT(si.loads[0], 1000UL << 16);
	/* The padding after the fields is zero. */
	CHECK_EQ(si._f[0], 0);
	/* uptime agrees with CLOCK_BOOTTIME to the second. */
	struct timespec bt;
	CHECK_EQ(clock_gettime(CLOCK_BOOTTIME, &bt), 0);
	CHECK_LE(labs(si.uptime - bt.tv_sec), 1);
	/* The libc wrappers agree. */
	CHECK_GE(get_nprocs(), 1);
	CHECK_GT(sysconf(_SC_PHYS_PAGES), 0);
	struct sysinfo s2;
	CHECK_EQ(sysinfo(&s2), 0);
	CHECK_EQ(s2.totalram, si.totalram);
	CHECK_EQ(s2.mem_unit, si.mem_unit);
	CHECK_GE(s2.uptime, si.uptime);
	CHECK_ERRNO(RAW(SYS_sysinfo, (void *)8), -1, EFAULT);
	return test_done();
}
