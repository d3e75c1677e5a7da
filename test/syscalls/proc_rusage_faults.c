//go:build ignore

/*
 * Page faults in getrusage, wait4 and /proc/[pid]/stat (minflt,
 * cminflt), which /usr/bin/time, ps and psutil report: writing to fresh
 * anonymous pages faults, and the faults are counted for the process,
 * the thread, and, once reaped, the parent's children. Voluntary context
 * switches (ru_nvcsw, voluntary_ctxt_switches): each sleep is one.
 */
#include "testutil.h"
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

#define PAGES 64

static void touch_fresh(void)
{
	char *p = mmap(0, PAGES * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		_exit(9);
	for (int i = 0; i < PAGES; i++)
		p[i * 4096] = 1;
}

/* stat_field returns field n (1-based) of /proc/self/stat. */
static long long stat_field(const char *path, int n)
{
	char buf[1024];
	if (read_text(path, buf, sizeof(buf)) <= 0)
		return -1;
	char *p = strrchr(buf, ')');
	if (!p)
		return -2;
	/* Field 3 starts two characters after the ')'. */
	p += 2;
	for (int f = 3; f < n; f++) {
		p = strchr(p, ' ');
		if (!p)
			return -3;
		p++;
	}
	return atoll(p);
}

int main(void)
{
	struct rusage before, after, thread;
	CHECK_OK(getrusage(RUSAGE_SELF, &before));
	touch_fresh();
	CHECK_OK(getrusage(RUSAGE_SELF, &after));
	CHECK_OK(getrusage(RUSAGE_THREAD, &thread));
	/* Each page faults once on Linux; the sandbox serves up to 16
	 * pages of an anonymous mapping a fault. */
	CHECK_GE(after.ru_minflt - before.ru_minflt, PAGES / 16);
	CHECK_GE(thread.ru_minflt, PAGES / 16);
	CHECK_GE(stat_field("/proc/self/stat", 10), after.ru_minflt);
	CHECK_GE(stat_field("/proc/thread-self/stat", 10), PAGES / 16);

	struct rusage ch;
	CHECK_OK(getrusage(RUSAGE_CHILDREN, &ch));
	CHECK_EQ(ch.ru_minflt, 0);
	pid_t c = test_fork();
	if (c == 0) {
		touch_fresh();
		_exit(0);
	}
	int st;
	struct rusage ru;
	CHECK_EQ(wait4(c, &st, 0, &ru), c);
	CHECK_CHILD_OK(st);
	CHECK_GE(ru.ru_minflt, PAGES / 16);
	CHECK_OK(getrusage(RUSAGE_CHILDREN, &ch));
	CHECK_EQ(ch.ru_minflt, ru.ru_minflt);
	CHECK_EQ(stat_field("/proc/self/stat", 11), ru.ru_minflt);

	struct rusage r0, r1;
	CHECK_OK(getrusage(RUSAGE_THREAD, &r0));
	for (int i = 0; i < 5; i++)
		usleep(1000);
	CHECK_OK(getrusage(RUSAGE_THREAD, &r1));
	CHECK_GE(r1.ru_nvcsw - r0.ru_nvcsw, 5);
	char status[4096];
	ASSERT_GT(read_text("/proc/self/status", status, sizeof(status)), 0);
	char *v = strstr(status, "\nvoluntary_ctxt_switches:\t");
	ASSERT_NE(v, NULL);
	CHECK_GE(atol(v + 26), r1.ru_nvcsw);
	return test_done();
}
