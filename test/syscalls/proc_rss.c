//go:build ignore

/*
 * proc_rss: /proc/self/status, statm and stat report the resident set:
 * touching 16 MiB of anonymous memory adds as much to VmRSS and RssAnon,
 * 8 MiB of a shared memfd mapping adds to RssShmem, munmap gives it back
 * while VmHWM and getrusage's ru_maxrss keep the peak, and statm's
 * resident field agrees with VmRSS.
 */
#include "testutil.h"
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>

/* status_kb returns the field of /proc/self/status, in kB, or -1. */
static long status_kb(const char *field)
{
	char buf[8192], want[64];
	if (read_text("/proc/self/status", buf, sizeof buf) <= 0)
		return -1;
	snprintf(want, sizeof want, "\n%s:", field);
	char *p = strstr(buf, want);
	return p ? strtol(p + strlen(want), NULL, 10) : -1;
}

/* statm_field returns field i of /proc/self/statm, or -1. */
static long statm_field(int i)
{
	char buf[256];
	if (read_text("/proc/self/statm", buf, sizeof buf) <= 0)
		return -1;
	char *p = buf;
	for (int k = 0; k < i && p; k++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	return p ? strtol(p, NULL, 10) : -1;
}

#define MiB (1024 * 1024)

int main(void)
{
	long rss0 = status_kb("VmRSS"), anon0 = status_kb("RssAnon");
	CHECK(rss0 > 0);
	CHECK(anon0 > 0);
	CHECK(status_kb("VmHWM") >= rss0);

	char *a = mmap(NULL, 16 * MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(a, MAP_FAILED);
	/* Mapped but untouched: nothing resident yet. */
	CHECK_LT(status_kb("VmRSS") - rss0, 1024);
	for (int i = 0; i < 16 * MiB; i += 4096)
		a[i] = 1;
	long rss1 = status_kb("VmRSS"), anon1 = status_kb("RssAnon");
	CHECK_GE(rss1 - rss0, 16 * 1024);
	CHECK_LT(rss1 - rss0, 16 * 1024 + 1024);
	CHECK_GE(anon1 - anon0, 16 * 1024);
	/* statm counts pages; it is read a moment later, so allow slack. */
	long res = statm_field(1);
	CHECK_GE(res * 4, rss1 - 256);
	CHECK_LE(res * 4, rss1 + 256);

	/* Shared memory pages count as RssShmem. */
	long shm0 = status_kb("RssShmem");
	int fd = memfd_create("rss", 0);
	ASSERT_GE(fd, 0);
	ASSERT_OK(ftruncate(fd, 8 * MiB));
	char *s = mmap(NULL, 8 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(s, MAP_FAILED);
	for (int i = 0; i < 8 * MiB; i += 4096)
		s[i] = 1;
	CHECK_GE(status_kb("RssShmem") - shm0, 8 * 1024);
	CHECK_LT(status_kb("RssShmem") - shm0, 8 * 1024 + 1024);

	/* munmap gives the pages back; the high-water mark stays. */
	long peak = status_kb("VmHWM");
	CHECK_GE(peak, rss1 + 8 * 1024);
	ASSERT_OK(munmap(a, 16 * MiB));
	ASSERT_OK(munmap(s, 8 * MiB));
	close(fd);
	long rss2 = status_kb("VmRSS");
	CHECK_LT(rss2, rss1 - 15 * 1024);
	/* Linux updates the mark from batched counters: allow slack. */
	CHECK_GE(status_kb("VmHWM"), peak - 1024);
	/* ru_maxrss is the peak too, not the resident size now. */
	struct rusage ru;
	CHECK_OK(getrusage(RUSAGE_SELF, &ru));
	CHECK_GE(ru.ru_maxrss, peak - 1024);
	return test_done();
}
