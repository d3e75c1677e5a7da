//go:build ignore

/*
 * The scheduling fields of /proc/[pid]/stat, which ps -o pri,rtprio,cls
 * and top read: priority (18) is 20 + nice for a fair task and -1 - the
 * real-time priority for SCHED_FIFO/RR, nice (19) the nice value,
 * rt_priority (40) and policy (41) the policy's.
 */
#include "testutil.h"
#include <sched.h>
#include <sys/resource.h>

static long long field(int n)
{
	char buf[1024];
	if (read_text("/proc/thread-self/stat", buf, sizeof(buf)) <= 0)
		return -9999;
	char *p = strrchr(buf, ')');
	if (!p)
		return -9998;
	p += 2;
	for (int f = 3; f < n; f++) {
		p = strchr(p, ' ');
		if (!p)
			return -9997;
		p++;
	}
	return atoll(p);
}

int main(void)
{
	CHECK_OK(setpriority(PRIO_PROCESS, 0, 5));
	CHECK_EQ(field(18), 25);
	CHECK_EQ(field(19), 5);
	CHECK_EQ(field(40), 0);
	CHECK_EQ(field(41), SCHED_OTHER);
	struct sched_param sp = { .sched_priority = 0 };
	CHECK_OK(sched_setscheduler(0, SCHED_BATCH, &sp));
	CHECK_EQ(field(41), SCHED_BATCH);
	CHECK_EQ(field(18), 25);
	if (geteuid() == 0) {
		sp.sched_priority = 10;
		CHECK_OK(sched_setscheduler(0, SCHED_FIFO, &sp));
		CHECK_EQ(field(18), -11);
		CHECK_EQ(field(40), 10);
		CHECK_EQ(field(41), SCHED_FIFO);
		sp.sched_priority = 3;
		CHECK_OK(sched_setscheduler(0, SCHED_RR, &sp));
		CHECK_EQ(field(18), -4);
		CHECK_EQ(field(41), SCHED_RR);
		sp.sched_priority = 0;
		CHECK_OK(sched_setscheduler(0, SCHED_OTHER, &sp));
		CHECK_EQ(field(40), 0);
		CHECK_EQ(field(41), SCHED_OTHER);
	}
	return test_done();
}
