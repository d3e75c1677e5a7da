//go:build ignore

/*
 * clock_settime and settimeofday, up to the point of setting the clock
 * (the test never sets it: natively that would set the host's): only
 * CLOCK_REALTIME can be set, times and time zones out of range are
 * EINVAL, a bad pointer EFAULT, and a caller without CAP_SYS_TIME gets
 * EPERM, as in a default container.
 */
#include "testutil.h"
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

int main(void)
{
	struct timespec bad = { 1, 2000000000 }, neg = { -1, 0 }, now;
	CHECK_OK(clock_gettime(CLOCK_REALTIME, &now));
	CHECK_ERRNO(syscall(SYS_clock_settime, CLOCK_MONOTONIC, &now), -1, EINVAL);
	CHECK_ERRNO(syscall(SYS_clock_settime, CLOCK_BOOTTIME, &now), -1, EINVAL);
	CHECK_ERRNO(syscall(SYS_clock_settime, CLOCK_REALTIME_COARSE, &now), -1, EINVAL);
	CHECK_ERRNO(syscall(SYS_clock_settime, CLOCK_PROCESS_CPUTIME_ID, &now), -1, EINVAL);
	CHECK_ERRNO(syscall(SYS_clock_settime, 99, &now), -1, EINVAL);
	CHECK_ERRNO(syscall(SYS_clock_settime, CLOCK_REALTIME, &bad), -1, EINVAL);
	CHECK_ERRNO(syscall(SYS_clock_settime, CLOCK_REALTIME, &neg), -1, EINVAL);
	CHECK_ERRNO(syscall(SYS_clock_settime, CLOCK_REALTIME, (void *)8), -1, EFAULT);
	struct timeval badtv = { 1, 2000000 };
	struct timezone badtz = { 16 * 60, 0 };
	CHECK_ERRNO(syscall(SYS_settimeofday, &badtv, NULL), -1, EINVAL);
	CHECK_ERRNO(syscall(SYS_settimeofday, NULL, &badtz), -1, EINVAL);
	CHECK_ERRNO(syscall(SYS_settimeofday, (void *)8, NULL), -1, EFAULT);

	/* Without CAP_SYS_TIME (a user other than root keeps none). */
	pid_t c = test_fork();
	if (c == 0) {
		if (geteuid() == 0) {
			CHECK_OK(setresgid(65534, 65534, 65534));
			CHECK_OK(setresuid(65534, 65534, 65534));
		}
		struct timespec t;
		CHECK_OK(clock_gettime(CLOCK_REALTIME, &t));
		CHECK_ERRNO(syscall(SYS_clock_settime, CLOCK_REALTIME, &t), -1, EPERM);
		struct timeval tv = { t.tv_sec, 0 };
		CHECK_ERRNO(syscall(SYS_settimeofday, &tv, NULL), -1, EPERM);
		CHECK_ERRNO(syscall(SYS_settimeofday, NULL, NULL), -1, EPERM);
		/* The range check still comes first. */
		CHECK_ERRNO(syscall(SYS_clock_settime, CLOCK_REALTIME, &bad), -1, EINVAL);
		child_exit();
	}
	int st;
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK_CHILD_OK(st);
	return test_done();
}
