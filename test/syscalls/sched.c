//go:build ignore

/* Scheduling queries: policies, priorities and nice values. */
#include "testutil.h"
#include <sched.h>
#include <sys/resource.h>

int main(void)
{
	CHECK_EQ(sched_getscheduler(0), SCHED_OTHER);
	struct sched_param sp = {0};
	CHECK_OK(sched_getparam(0, &sp));
	CHECK_EQ(sp.sched_priority, 0);
	CHECK_EQ(sched_get_priority_max(SCHED_FIFO), 99);
	CHECK_EQ(sched_get_priority_min(SCHED_FIFO), 1);
	CHECK_EQ(sched_get_priority_max(SCHED_OTHER), 0);
	CHECK_ERRNO(sched_get_priority_max(77), -1, EINVAL);
	sp.sched_priority = 5;
	CHECK_ERRNO(sched_setscheduler(0, SCHED_OTHER, &sp), -1, EINVAL);
	CHECK_ERRNO(sched_setscheduler(0, 77, &sp), -1, EINVAL);
	sp.sched_priority = 0;
	CHECK_OK(sched_setscheduler(0, SCHED_BATCH, &sp));
	CHECK_EQ(sched_getscheduler(0), SCHED_BATCH);
	CHECK_OK(sched_setscheduler(0, SCHED_OTHER, &sp));
	CHECK_ERRNO(sched_getscheduler(-1), -1, EINVAL);
	CHECK_ERRNO(sched_getparam(0x3fffffff, &sp), -1, ESRCH);
	struct timespec ts;
	CHECK_OK(sched_rr_get_interval(0, &ts));
	CHECK_OK(sched_yield());

	errno = 0;
	CHECK_EQ(getpriority(PRIO_PROCESS, 0), 0);
	CHECK_EQ(errno, 0);
	CHECK_OK(setpriority(PRIO_PROCESS, 0, 5));
	CHECK_EQ(getpriority(PRIO_PROCESS, 0), 5);
	CHECK_EQ(nice(2), 7);
	CHECK_OK(setpriority(PRIO_PROCESS, 0, 100));
	CHECK_EQ(getpriority(PRIO_PROCESS, 0), 19);
	CHECK_ERRNO(setpriority(77, 0, 1), -1, EINVAL);
	CHECK_ERRNO(getpriority(PRIO_PROCESS, 0x3fffffff), -1, ESRCH);
	/* A forked child inherits the nice value. */
	pid_t pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(getpriority(PRIO_PROCESS, 0) == 19 ? 0 : 1);
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_EXITED(st, 0);
	return test_done();
}
