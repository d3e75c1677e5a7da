//go:build ignore

/*
 * times and getrusage: a child's CPU time moves to RUSAGE_CHILDREN (and
 * tms_cutime) only when it is waited for, not while it is a zombie;
 * grandchildren count once their parent waited for them; RUSAGE_THREAD is
 * the calling thread's alone; RUSAGE_SELF covers all threads; times()
 * returns a tick count that advances; bad who is EINVAL.
 */
#include "testutil.h"
#include <pthread.h>
#include <sys/resource.h>
#include <sys/times.h>

static long long tv_us(struct timeval tv) { return tv.tv_sec * 1000000LL + tv.tv_usec; }

static void burn_cpu(long long ns)
{
	struct timespec ts;
	long long start;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	start = ts.tv_sec * 1000000000LL + ts.tv_nsec;
	do {
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	} while (ts.tv_sec * 1000000000LL + ts.tv_nsec - start < ns);
}

static void *thread_burn(void *arg)
{
	(void)arg;
	burn_cpu(100 * 1000000LL);
	struct rusage ru;
	getrusage(RUSAGE_THREAD, &ru);
	return (void *)(long)(tv_us(ru.ru_utime) + tv_us(ru.ru_stime));
}

int main(void)
{
	struct rusage ru, ru2;
	struct tms tm;
	long hz = sysconf(_SC_CLK_TCK);
	CHECK_EQ(hz, 100);

	/* Nothing from children yet. */
	CHECK_OK(getrusage(RUSAGE_CHILDREN, &ru));
	CHECK_EQ(tv_us(ru.ru_utime) + tv_us(ru.ru_stime), 0);
	clock_t c0 = times(&tm);
	CHECK_NE(c0, (clock_t)-1);
	CHECK_EQ(tm.tms_cutime + tm.tms_cstime, 0);

	/* A child that burns 200ms of CPU, then a grandchild that burns 100ms. */
	pid_t pid = test_fork();
	if (pid == 0) {
		pid_t g = fork();
		if (g == 0) {
			burn_cpu(100 * 1000000LL);
			_exit(0);
		}
		burn_cpu(200 * 1000000LL);
		int gst;
		waitpid(g, &gst, 0);
		_exit(0);
	}
	siginfo_t si;
	CHECK_OK(waitid(P_PID, pid, &si, WEXITED | WNOWAIT));
	/* A zombie's time is not counted yet. */
	CHECK_OK(getrusage(RUSAGE_CHILDREN, &ru));
	CHECK_EQ(tv_us(ru.ru_utime) + tv_us(ru.ru_stime), 0);
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	CHECK_OK(getrusage(RUSAGE_CHILDREN, &ru));
	long long child_us = tv_us(ru.ru_utime) + tv_us(ru.ru_stime);
	CHECK_GE(child_us, 280000);
	CHECK_LT(child_us, 5000000);
	CHECK_GT(ru.ru_maxrss, 0);
	clock_t c1 = times(&tm);
	CHECK_GE(tm.tms_cutime + tm.tms_cstime, 28 * hz / 100);
	CHECK_GE(c1 - c0, 18 * hz / 100); /* wall: the two ran in parallel */
	/* Our own time did not include theirs. */
	CHECK_OK(getrusage(RUSAGE_SELF, &ru2));
	CHECK_LT(tv_us(ru2.ru_utime) + tv_us(ru2.ru_stime), 200000);

	/* Threads: RUSAGE_THREAD sees only the caller; SELF sees both. */
	struct rusage self0, th0;
	CHECK_OK(getrusage(RUSAGE_SELF, &self0));
	CHECK_OK(getrusage(RUSAGE_THREAD, &th0));
	pthread_t th;
	ASSERT_EQ(pthread_create(&th, NULL, thread_burn, NULL), 0);
	void *ret;
	CHECK_EQ(pthread_join(th, &ret), 0);
	CHECK_GE((long)ret, 90000);
	CHECK_OK(getrusage(RUSAGE_THREAD, &ru));
	CHECK_LT(tv_us(ru.ru_utime) + tv_us(ru.ru_stime) - tv_us(th0.ru_utime) - tv_us(th0.ru_stime), 50000);
	CHECK_OK(getrusage(RUSAGE_SELF, &ru));
	CHECK_GE(tv_us(ru.ru_utime) + tv_us(ru.ru_stime) - tv_us(self0.ru_utime) - tv_us(self0.ru_stime), 90000);
	/* times() user+sys is the same thing in ticks. */
	times(&tm);
	CHECK_GE(tm.tms_utime + tm.tms_stime, 9 * hz / 100);

	/* Errors. */
	CHECK_ERRNO(getrusage(2, &ru), -1, EINVAL);
	CHECK_ERRNO(getrusage(-3, &ru), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_getrusage, RUSAGE_SELF, (void *)1), -1, EFAULT);
	/* times accepts NULL. */
	CHECK_NE(RAW(SYS_times, NULL), -1);
	return test_done();
}
