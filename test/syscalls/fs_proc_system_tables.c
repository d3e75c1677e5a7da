//go:build ignore

/*
 * /proc/swaps, /proc/partitions, /proc/diskstats and /proc/vmstat, which
 * swapon, free, vmstat, iostat and monitoring agents read: the tables
 * start with Linux's exact headers, every line parses as those programs
 * parse it, and vmstat's pgfault counts the caller's page faults.
 */
#include "testutil.h"
#include <fcntl.h>
#include <sys/mman.h>

static char buf[1 << 16];

/* vmstat_value returns the value of name in /proc/vmstat, -1 if the
 * line is missing, -2 if a line does not parse. */
static long long vmstat_value(const char *name)
{
	if (read_text("/proc/vmstat", buf, sizeof(buf)) < 0)
		return -2;
	long long found = -1;
	char *save;
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char key[64];
		long long v;
		char extra;
		if (sscanf(l, "%63s %lld %c", key, &v, &extra) != 2)
			return -2;
		if (strcmp(key, name) == 0)
			found = v;
	}
	return found;
}

int main(void)
{
	CHECK_GT(read_text("/proc/swaps", buf, sizeof(buf)), 0);
	CHECK_EQ(strncmp(buf, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n", 40), 0);
	/* Each swap area: path, type, size, used, priority. */
	char *save, *l = strtok_r(buf, "\n", &save);
	while ((l = strtok_r(NULL, "\n", &save))) {
		char path[256], type[32];
		long long size, used;
		int prio;
		CHECK_EQ(sscanf(l, "%255s %31s %lld %lld %d", path, type, &size, &used, &prio), 5);
	}

	CHECK_GT(read_text("/proc/partitions", buf, sizeof(buf)), 0);
	CHECK_EQ(strncmp(buf, "major minor  #blocks  name\n\n", 28), 0);
	l = strtok_r(buf + 28, "\n", &save);
	for (; l; l = strtok_r(NULL, "\n", &save)) {
		unsigned maj, min;
		unsigned long long blocks;
		char name[64];
		CHECK_EQ(sscanf(l, "%u %u %llu %63s", &maj, &min, &blocks, name), 4);
	}

	/* diskstats: major, minor, name and at least 11 counters a line. */
	CHECK(read_text("/proc/diskstats", buf, sizeof(buf)) >= 0);
	for (l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		unsigned maj, min;
		char name[64];
		unsigned long long c[11];
		CHECK_EQ(sscanf(l, "%u %u %63s %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &maj, &min, name,
				&c[0], &c[1], &c[2], &c[3], &c[4], &c[5], &c[6], &c[7], &c[8], &c[9], &c[10]),
			 14);
	}

	CHECK_GT(vmstat_value("nr_free_pages"), 0);
	CHECK(vmstat_value("pswpin") >= 0);
	CHECK(vmstat_value("pswpout") >= 0);
	long long before = vmstat_value("pgfault");
	CHECK_GT(before, 0);
	/* Fresh pages, touched far apart: each first touch faults. */
	size_t len = 256 << 20;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(p, MAP_FAILED);
	for (size_t off = 0; off < len; off += 1 << 20)
		p[off] = 1;
	long long after = vmstat_value("pgfault");
	CHECK(after >= before + 256);
	munmap(p, len);
	return test_done();
}
