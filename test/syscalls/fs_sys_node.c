//go:build ignore

/*
 * /sys/devices/system/node, which libnuma, numactl, lscpu, hwloc and the
 * JVM's NUMA support read: the online nodes together hold exactly the
 * online CPUs, each node's cpulist and cpumap agree, its distance row
 * has a 10 for itself, its meminfo parses with consistent totals, and
 * the cpu and node directories link to each other.
 */
#include "testutil.h"
#include <sys/stat.h>

#define MAXCPU 1024

typedef struct {
	unsigned long long w[MAXCPU / 64];
} set;

static char buf[1 << 16];

static int has(const set *s, int i) { return (s->w[i / 64] >> (i % 64)) & 1; }

static int same(const set *a, const set *b) { return memcmp(a, b, sizeof(*a)) == 0; }

/* parse_list reads a list like "0-3,8\n" into s; it returns 0, or -1 if
 * the text is not such a list. */
static int parse_list(const char *text, set *s)
{
	memset(s, 0, sizeof(*s));
	const char *p = text;
	if (*p == '\n')
		return p[1] == 0 ? 0 : -1;
	for (;;) {
		char *end;
		long lo = strtol(p, &end, 10), hi = lo;
		if (end == p || lo < 0 || lo >= MAXCPU)
			return -1;
		p = end;
		if (*p == '-') {
			hi = strtol(p + 1, &end, 10);
			if (end == p + 1 || hi < lo || hi >= MAXCPU)
				return -1;
			p = end;
		}
		for (long i = lo; i <= hi; i++)
			s->w[i / 64] |= 1ULL << (i % 64);
		if (*p == ',') {
			p++;
			continue;
		}
		return strcmp(p, "\n") == 0 ? 0 : -1;
	}
}

/* parse_mask reads a mask like "f,ffffffff\n" (32-bit hex words, the
 * highest first) into s; it returns 0, or -1 if it does not parse. */
static int parse_mask(const char *text, set *s)
{
	memset(s, 0, sizeof(*s));
	unsigned words[MAXCPU / 32];
	int n = 0;
	const char *p = text;
	for (;;) {
		char *end;
		unsigned long v = strtoul(p, &end, 16);
		if (end == p || end - p > 8 || n == MAXCPU / 32)
			return -1;
		words[n++] = v;
		p = end;
		if (*p == ',') {
			p++;
			continue;
		}
		if (strcmp(p, "\n") != 0)
			return -1;
		break;
	}
	for (int i = 0; i < n; i++) {
		int word = n - 1 - i; /* words[0] is the highest */
		s->w[word / 2] |= (unsigned long long)words[i] << (32 * (word % 2));
	}
	return 0;
}

static int read_set(const char *path, set *s, int mask)
{
	if (read_text(path, buf, sizeof(buf)) <= 0)
		return -1;
	return mask ? parse_mask(buf, s) : parse_list(buf, s);
}

static void check_meminfo(int node)
{
	char path[128];
	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/meminfo", node);
	CHECK_GT(read_text(path, buf, sizeof(buf)), 0);
	long long total = -1, free_ = -1, used = -1;
	int lines = 0;
	char *save;
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		int n, off = 0;
		char name[64];
		long long v;
		/* "Node N Name:   value kB", or a page count without kB. */
		if (sscanf(l, "Node %d %63[^:]: %lld%n", &n, name, &v, &off) != 3 || n != node) {
			FAIL("meminfo line \"%s\"", l);
			continue;
		}
		if (strcmp(l + off, " kB") != 0 && l[off] != 0)
			FAIL("meminfo line ends \"%s\"", l + off);
		lines++;
		if (lines == 1 && strcmp(name, "MemTotal") == 0)
			total = v;
		if (lines == 2 && strcmp(name, "MemFree") == 0)
			free_ = v;
		if (lines == 3 && strcmp(name, "MemUsed") == 0)
			used = v;
	}
	CHECK_GT(lines, 3);
	CHECK_GT(total, 0);
	CHECK_GE(free_, 0);
	CHECK_LE(free_, total);
	CHECK_EQ(used, total - free_);
}

int main(void)
{
	set nodes, cpus, all = { 0 }, s;
	ASSERT_EQ(read_set("/sys/devices/system/node/online", &nodes, 0), 0);
	ASSERT_EQ(read_set("/sys/devices/system/cpu/online", &cpus, 0), 0);
	const char *lists[] = { "possible", "has_cpu", "has_memory", "has_normal_memory" };
	for (int i = 0; i < 4; i++) {
		char path[128];
		snprintf(path, sizeof(path), "/sys/devices/system/node/%s", lists[i]);
		CHECK_EQ(read_set(path, &s, 0), 0);
		if (strcmp(lists[i], "has_cpu") == 0)
			for (int n = 0; n < MAXCPU; n++)
				if (has(&s, n) && !has(&nodes, n))
					FAIL("node %d has CPUs but is not online", n);
	}

	int nnodes = 0, ncpus = 0;
	for (int n = 0; n < MAXCPU; n++)
		nnodes += has(&nodes, n);
	for (int c = 0; c < MAXCPU; c++)
		ncpus += has(&cpus, c);
	CHECK_GE(nnodes, 1);
	CHECK_EQ(ncpus, sysconf(_SC_NPROCESSORS_ONLN));

	for (int n = 0; n < MAXCPU; n++) {
		if (!has(&nodes, n))
			continue;
		char path[128];
		set list, mask;
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist", n);
		CHECK_EQ(read_set(path, &list, 0), 0);
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpumap", n);
		CHECK_EQ(read_set(path, &mask, 1), 0);
		CHECK(same(&list, &mask));
		for (int c = 0; c < MAXCPU; c++) {
			if (!has(&list, c))
				continue;
			if (has(&all, c))
				FAIL("cpu %d in two nodes", c);
			all.w[c / 64] |= 1ULL << (c % 64);
			/* node/nodeN/cpuC links to the CPU, and cpu/cpuC/nodeN
			 * back to the node. */
			struct stat st;
			snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpu%d", n, c);
			CHECK_OK(lstat(path, &st));
			CHECK(S_ISLNK(st.st_mode));
			CHECK_OK(stat(path, &st));
			CHECK(S_ISDIR(st.st_mode));
			snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/node%d/cpulist", c, n);
			CHECK_EQ(read_set(path, &s, 0), 0);
			CHECK(same(&s, &list));
		}

		/* distance: a figure for each online node, 10 for itself. */
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/distance", n);
		CHECK_GT(read_text(path, buf, sizeof(buf)), 0);
		int k = 0, self = -1;
		char *save;
		for (char *tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save), k++) {
			int rank = 0;
			for (int m = 0; m < n; m++)
				rank += has(&nodes, m);
			if (k == rank)
				self = atoi(tok);
		}
		CHECK_EQ(k, nnodes);
		CHECK_EQ(self, 10);

		check_meminfo(n);
	}
	CHECK(same(&all, &cpus));
	return test_done();
}
