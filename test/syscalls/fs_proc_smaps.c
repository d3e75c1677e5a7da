//go:build ignore

/*
 * /proc/[pid]/smaps and smaps_rollup, which pmap -X, smem, psutil's
 * memory_full_info and memory profilers read: every mapping of maps
 * appears with the same line and Linux's fields in order; a written
 * private anonymous mapping is resident, anonymous and private dirty,
 * shared dirty and halved in Pss while a forked child still shares its
 * pages, and locked when mlocked; the rollup sums the mappings.
 */
#include "testutil.h"
#include <sys/mman.h>
#include <sys/wait.h>

#define PAGES 16

static char smaps[1 << 20], maps[1 << 18];

static const char *fields[] = { "Size", "KernelPageSize", "MMUPageSize", "Rss", "Pss", "Pss_Dirty",
				"Shared_Clean", "Shared_Dirty", "Private_Clean", "Private_Dirty",
				"Referenced", "Anonymous", "KSM", "LazyFree", "AnonHugePages",
				"ShmemPmdMapped", "FilePmdMapped", "Shared_Hugetlb", "Private_Hugetlb",
				"Swap", "SwapPss", "Locked" };
#define NFIELDS (int)(sizeof(fields) / sizeof(fields[0]))

/* block returns the smaps lines of the mapping starting at addr, or NULL. */
static char *block(void *addr)
{
	char key[32];
	snprintf(key, sizeof(key), "%lx-", (unsigned long)addr);
	for (char *p = smaps; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (strncmp(p, key, strlen(key)) == 0)
			return p;
	}
	return NULL;
}

/* field returns field name of the block b, in kB, or -1. */
static long field(const char *b, const char *name)
{
	char key[40];
	snprintf(key, sizeof(key), "\n%s:", name);
	const char *p = strstr(b, key);
	const char *next = strstr(b + 1, "\nVmFlags:");
	if (!p || (next && p > next))
		return -1;
	return atol(p + strlen(key));
}

static int has_flag(const char *b, const char *flag)
{
	const char *p = strstr(b, "\nVmFlags:");
	if (!p)
		return 0;
	const char *end = strchr(p + 1, '\n');
	char want[8];
	snprintf(want, sizeof(want), " %s ", flag);
	const char *q = strstr(p, want);
	return q && q < end;
}

static void reread(void)
{
	ASSERT_GT(read_text("/proc/self/smaps", smaps, sizeof(smaps)), 0);
}

int main(void)
{
	char *p = mmap(0, PAGES * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE((void *)p, MAP_FAILED);
	/* Its own mapping: a neighbour with the same flags would merge. */
	CHECK_OK(mprotect(p, PAGES * 4096, PROT_READ | PROT_WRITE | PROT_EXEC));
	for (int i = 0; i < PAGES; i++)
		p[i * 4096] = 1;

	/* Every maps line heads a block of the fields in order. */
	ASSERT_GT(read_text("/proc/self/maps", maps, sizeof(maps)), 0);
	reread();
	int blocks = 0;
	char *save;
	for (char *l = strtok_r(maps, "\n", &save); l; l = strtok_r(NULL, "\n", &save), blocks++) {
		char *b = strstr(smaps, l);
		if (!b || (b != smaps && b[-1] != '\n') || b[strlen(l)] != '\n') {
			FAIL("no smaps block for \"%s\"", l);
			continue;
		}
		char *q = b + strlen(l) + 1;
		for (int f = 0; f < NFIELDS; f++) {
			char name[40];
			long kb;
			int n = 0;
			if (sscanf(q, "%39[^:]: %ld kB%n", name, &kb, &n) != 2 || strcmp(name, fields[f]) != 0) {
				FAIL("\"%s\": field %d is not %s", l, f, fields[f]);
				break;
			}
			q = strchr(q, '\n') + 1;
		}
		if (strncmp(q, "THPeligible:", 12) != 0)
			FAIL("\"%s\": no THPeligible", l);
		q = strchr(q, '\n') + 1;
		if (strncmp(q, "VmFlags:", 8) != 0)
			FAIL("\"%s\": no VmFlags", l);
	}
	CHECK_GT(blocks, 5);

	char *b = block(p);
	ASSERT_NE(b, NULL);
	CHECK_EQ(field(b, "Size"), PAGES * 4);
	CHECK_EQ(field(b, "Rss"), PAGES * 4);
	CHECK_EQ(field(b, "Pss"), PAGES * 4);
	CHECK_EQ(field(b, "Anonymous"), PAGES * 4);
	CHECK_EQ(field(b, "Private_Dirty"), PAGES * 4);
	CHECK_EQ(field(b, "Shared_Dirty"), 0);
	CHECK_EQ(field(b, "Locked"), 0);
	CHECK(has_flag(b, "rd") && has_flag(b, "wr") && has_flag(b, "ex"));
	CHECK(!has_flag(b, "sh") && !has_flag(b, "lo"));
	CHECK(has_flag(b, "mr") && has_flag(b, "mw") && has_flag(b, "me"));
	b = strstr(smaps, "[stack]\n");
	CHECK(b && has_flag(b, "gd"));

	/* A forked child shares the pages until it writes them. */
	int go[2], done[2];
	ASSERT_OK(pipe(go));
	ASSERT_OK(pipe(done));
	pid_t c = test_fork();
	if (c == 0) {
		char ch;
		if (write(done[1], "r", 1) != 1 || read(go[0], &ch, 1) != 1)
			_exit(2);
		_exit(0);
	}
	char ch;
	CHECK_EQ(read(done[0], &ch, 1), 1);
	reread();
	b = block(p);
	ASSERT_NE(b, NULL);
	CHECK_EQ(field(b, "Rss"), PAGES * 4);
	CHECK_EQ(field(b, "Shared_Dirty"), PAGES * 4);
	CHECK_EQ(field(b, "Private_Dirty"), 0);
	CHECK_EQ(field(b, "Pss"), PAGES * 2);
	CHECK_EQ(write(go[1], "g", 1), 1);
	int st;
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK_CHILD_OK(st);

	/* mlock. */
	CHECK_OK(mlock(p, PAGES * 4096));
	reread();
	b = block(p);
	ASSERT_NE(b, NULL);
	CHECK_EQ(field(b, "Locked"), PAGES * 4);
	CHECK(has_flag(b, "lo"));
	CHECK_OK(munlock(p, PAGES * 4096));

	/* The rollup spans the mappings and sums them. */
	reread();
	long rss = 0, anon = 0;
	for (char *q = strstr(smaps, "\nRss:"); q; q = strstr(q + 1, "\nRss:"))
		rss += atol(q + 5);
	for (char *q = strstr(smaps, "\nAnonymous:"); q; q = strstr(q + 1, "\nAnonymous:"))
		anon += atol(q + 11);
	static char roll[4096];
	ASSERT_GT(read_text("/proc/self/smaps_rollup", roll, sizeof(roll)), 0);
	unsigned long lo, hi;
	CHECK_EQ(sscanf(roll, "%lx-%lx ---p 00000000 00:00 0", &lo, &hi), 2);
	CHECK(strstr(roll, " [rollup]\nRss:") != NULL);
	CHECK(strstr(roll, "\nPss_Anon:") != NULL && strstr(roll, "\nPss_File:") != NULL);
	CHECK(strstr(roll, "VmFlags") == NULL && strstr(roll, "\nSize:") == NULL);
	/* Reading the files moved the stack a little: within 64 kB. */
	CHECK_LT(labs(atol(strstr(roll, "\nRss:") + 5) - rss), 64);
	CHECK_LT(labs(atol(strstr(roll, "\nAnonymous:") + 11) - anon), 64);
	return test_done();
}
