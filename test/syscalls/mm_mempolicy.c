//go:build ignore

/*
 * The NUMA memory policy calls, which libnuma (numactl, the JVM's
 * -XX:+UseNUMA, databases) makes: set_mempolicy and get_mempolicy with
 * their mode, flag and node mask rules; mbind's per-range policies,
 * which split and merge mappings and follow them through fork and
 * mremap; set_mempolicy_home_node; migrate_pages; and move_pages'
 * page query and move. Node 0 exists; "absent" is the first node past
 * the online ones.
 */
#include "testutil.h"
#include <linux/mempolicy.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#ifndef MPOL_PREFERRED_MANY
#define MPOL_PREFERRED_MANY 5
#endif
#ifndef MPOL_F_NUMA_BALANCING
#define MPOL_F_NUMA_BALANCING (1 << 13)
#endif
#define SYS_home_node 450

static long getpol(int *mode, unsigned long *mask, unsigned long maxnode, void *addr, unsigned long flags)
{
	return syscall(SYS_get_mempolicy, mode, mask, maxnode, addr, flags);
}

static long setpol(int mode, unsigned long *mask, unsigned long maxnode)
{
	return syscall(SYS_set_mempolicy, mode, mask, maxnode);
}

static long mbind_(void *addr, unsigned long len, int mode, unsigned long *mask, unsigned long maxnode,
		   unsigned flags)
{
	return syscall(SYS_mbind, addr, len, mode, mask, maxnode, flags);
}

static int absent;

/* mode_of and mask_of read the thread's (or addr's, with MPOL_F_ADDR)
 * policy. */
static int mode_of(void *addr, unsigned long flags)
{
	int m = -1;
	if (getpol(&m, NULL, 0, addr, flags) != 0)
		return -1000 - errno;
	return m;
}

static unsigned long mask_of(void *addr, unsigned long flags)
{
	unsigned long m[2] = { 77, 77 };
	if (getpol(NULL, m, 128, addr, flags) != 0)
		return 1000 + errno;
	return m[0];
}

/* vmas counts the /proc/self/maps lines inside [p, p+len). */
static int vmas(char *p, size_t len)
{
	static char buf[1 << 16];
	CHECK_GT(read_text("/proc/self/maps", buf, sizeof(buf)), 0);
	int n = 0;
	char *save;
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		unsigned long lo, hi;
		if (sscanf(l, "%lx-%lx", &lo, &hi) == 2 && lo >= (unsigned long)p &&
		    hi <= (unsigned long)p + len)
			n++;
	}
	return n;
}

static void *thread_mode(void *arg)
{
	*(int *)arg = mode_of(NULL, 0);
	unsigned long one = 1;
	if (setpol(MPOL_BIND, &one, 2) != 0)
		*(int *)arg = -2;
	return NULL;
}

static void test_thread_policy(void)
{
	unsigned long one = 1, zero = 0, both = 1UL | 1UL << absent;
	unsigned long mask[2];
	int m;

	/* The default policy; the nodes the thread may use. */
	CHECK_EQ(mode_of(NULL, 0), MPOL_DEFAULT);
	CHECK_EQ(mask_of(NULL, 0), 0);
	mask[0] = 0;
	CHECK_OK(getpol(&m, mask, 64, NULL, MPOL_F_MEMS_ALLOWED));
	CHECK_EQ(m, 0);
	CHECK_EQ(mask[0] & 1, 1);
	CHECK_EQ(mask[0] >> absent & 1, 0);
	CHECK_ERRNO(getpol(&m, mask, 64, NULL, MPOL_F_MEMS_ALLOWED | MPOL_F_NODE), -1, EINVAL);
	CHECK_ERRNO(getpol(&m, mask, 64, NULL, 8), -1, EINVAL);
	CHECK_ERRNO(getpol(&m, mask, 64, (void *)4096, 0), -1, EINVAL);
	CHECK_ERRNO(getpol(&m, NULL, 0, NULL, MPOL_F_NODE), -1, EINVAL);
	CHECK_ERRNO(getpol(&m, mask, 0, NULL, 0), -1, EINVAL);
	CHECK_ERRNO(getpol((int *)8, NULL, 0, NULL, 0), -1, EFAULT);
	/* A mask of more than a page; one of 0 bits is written not at all. */
	CHECK_ERRNO(getpol(&m, mask, 4096 * 8 + 64 + 1, NULL, 0), -1, EINVAL);
	mask[0] = 77;
	CHECK_OK(getpol(&m, mask, 1, NULL, 0));
	CHECK_EQ(mask[0], 77);
	/* Words past the ones that name nodes are zeroed. */
	unsigned long wide[32];
	memset(wide, 0xff, sizeof(wide));
	CHECK_OK(getpol(&m, wide, 32 * 64 + 1, NULL, 0));
	for (int i = 0; i < 32; i++)
		CHECK_EQ(wide[i], 0);

	/* bind: the nodes that exist, at least one. */
	CHECK_OK(setpol(MPOL_BIND, &one, 2));
	CHECK_EQ(mode_of(NULL, 0), MPOL_BIND);
	CHECK_EQ(mask_of(NULL, 0), 1);
	CHECK_OK(setpol(MPOL_BIND, &both, absent + 2));
	CHECK_EQ(mask_of(NULL, 0), 1);
	unsigned long only_absent = 1UL << absent;
	CHECK_ERRNO(setpol(MPOL_BIND, &only_absent, absent + 2), -1, EINVAL);
	CHECK_ERRNO(setpol(MPOL_BIND, &zero, 2), -1, EINVAL);
	CHECK_ERRNO(setpol(MPOL_BIND, NULL, 2), -1, EINVAL);
	/* maxnode counts one more bit than the mask holds. */
	CHECK_ERRNO(setpol(MPOL_BIND, &one, 1), -1, EINVAL);
	CHECK_ERRNO(setpol(MPOL_BIND, (unsigned long *)8, 2), -1, EFAULT);
	CHECK_ERRNO(setpol(MPOL_BIND, &one, 4096 * 8 + 2), -1, EINVAL);
	/* A node past the 1024 a mask can name; one below is dropped. */
	unsigned long big[32] = { 1 };
	big[20] = 1;
	CHECK_ERRNO(setpol(MPOL_BIND, big, 32 * 64 + 1), -1, EINVAL);
	big[20] = 0;
	big[10] = 1;
	CHECK_OK(setpol(MPOL_BIND, big, 32 * 64 + 1));
	CHECK_EQ(mask_of(NULL, 0), 1);

	/* default takes no nodes; an empty preferred set is local. */
	CHECK_ERRNO(setpol(MPOL_DEFAULT, &one, 2), -1, EINVAL);
	CHECK_OK(setpol(MPOL_DEFAULT, NULL, 0));
	CHECK_EQ(mode_of(NULL, 0), MPOL_DEFAULT);
	CHECK_OK(setpol(MPOL_PREFERRED, &zero, 2));
	CHECK_EQ(mode_of(NULL, 0), MPOL_LOCAL);
	CHECK_EQ(mask_of(NULL, 0), 0);
	CHECK_ERRNO(setpol(MPOL_PREFERRED | MPOL_F_STATIC_NODES, &zero, 2), -1, EINVAL);
	CHECK_ERRNO(setpol(MPOL_LOCAL, &one, 2), -1, EINVAL);
	CHECK_OK(setpol(MPOL_PREFERRED, &both, absent + 2));
	CHECK_EQ(mode_of(NULL, 0), MPOL_PREFERRED);
	CHECK_EQ(mask_of(NULL, 0), 1);

	/* Static and relative nodes are reported as given. */
	CHECK_OK(setpol(MPOL_INTERLEAVE | MPOL_F_STATIC_NODES, &both, absent + 2));
	CHECK_EQ(mode_of(NULL, 0), MPOL_INTERLEAVE | MPOL_F_STATIC_NODES);
	CHECK_EQ(mask_of(NULL, 0), both);
	CHECK_EQ(mode_of(NULL, MPOL_F_NODE), 0);
	CHECK_ERRNO(setpol(MPOL_INTERLEAVE | MPOL_F_STATIC_NODES, &only_absent, absent + 2), -1, EINVAL);
	CHECK_OK(setpol(MPOL_INTERLEAVE | MPOL_F_RELATIVE_NODES, &only_absent, absent + 2));
	CHECK_EQ(mode_of(NULL, 0), MPOL_INTERLEAVE | MPOL_F_RELATIVE_NODES);
	CHECK_EQ(mask_of(NULL, 0), only_absent);
	CHECK_ERRNO(setpol(MPOL_BIND | MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES, &one, 2), -1, EINVAL);
	CHECK_ERRNO(setpol(7, &one, 2), -1, EINVAL);
	CHECK_ERRNO(setpol(-1, &one, 2), -1, EINVAL);
	CHECK_ERRNO(setpol(MPOL_INTERLEAVE | MPOL_F_NUMA_BALANCING, &one, 2), -1, EINVAL);
	CHECK_OK(setpol(MPOL_BIND | MPOL_F_NUMA_BALANCING, &one, 2));
	CHECK_EQ(mode_of(NULL, 0), MPOL_BIND | MPOL_F_NUMA_BALANCING);
	CHECK_OK(setpol(MPOL_PREFERRED_MANY, &one, 2));
	CHECK_EQ(mode_of(NULL, 0), MPOL_PREFERRED_MANY);

	/* A thread starts with its creator's policy and sets its own. */
	CHECK_OK(setpol(MPOL_INTERLEAVE, &one, 2));
	pthread_t th;
	int seen = -1;
	CHECK_EQ(pthread_create(&th, NULL, thread_mode, &seen), 0);
	CHECK_EQ(pthread_join(th, NULL), 0);
	CHECK_EQ(seen, MPOL_INTERLEAVE);
	CHECK_EQ(mode_of(NULL, 0), MPOL_INTERLEAVE);
	/* ... and so does a child process. */
	pid_t c = test_fork();
	if (c == 0) {
		CHECK_EQ(mode_of(NULL, 0), MPOL_INTERLEAVE);
		child_exit();
	}
	int st;
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK_CHILD_OK(st);
	CHECK_OK(setpol(MPOL_DEFAULT, NULL, 0));
}

static void test_mbind(void)
{
	unsigned long one = 1, only_absent = 1UL << absent;
	long pg = 4096;
	/* Five pages with holes either side, so that they map alone. */
	char *p = mmap(0, 7 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE((void *)p, MAP_FAILED);
	CHECK_OK(munmap(p, pg));
	CHECK_OK(munmap(p + 6 * pg, pg));
	p += pg;
	CHECK_EQ(vmas(p, 5 * pg), 1);

	/* A policy on the second page splits the mapping in three. */
	CHECK_OK(mbind_(p + pg, pg, MPOL_BIND, &one, 2, 0));
	CHECK_EQ(vmas(p, 5 * pg), 3);
	CHECK_EQ(mode_of(p + pg, MPOL_F_ADDR), MPOL_BIND);
	CHECK_EQ(mask_of(p + pg + 100, MPOL_F_ADDR), 1);
	/* Without a policy of its own a range reports the default, not
	 * the thread's. */
	CHECK_OK(setpol(MPOL_INTERLEAVE, &one, 2));
	CHECK_EQ(mode_of(p, MPOL_F_ADDR), MPOL_DEFAULT);
	CHECK_EQ(mask_of(p, MPOL_F_ADDR), 0);
	CHECK_OK(setpol(MPOL_DEFAULT, NULL, 0));
	/* The node of the page there. */
	int node = -1;
	CHECK_OK(getpol(&node, NULL, 0, p + pg, MPOL_F_ADDR | MPOL_F_NODE));
	CHECK_EQ(node, 0);
	CHECK_EQ(mode_of((void *)4096, MPOL_F_ADDR), -1000 - EFAULT);

	/* The same policy on the next page joins the two. */
	CHECK_OK(mbind_(p + 2 * pg, pg, MPOL_BIND, &one, 2, MPOL_MF_STRICT | MPOL_MF_MOVE));
	CHECK_EQ(vmas(p, 5 * pg), 3);

	CHECK_ERRNO(mbind_(p + 1, pg, MPOL_BIND, &one, 2, 0), -1, EINVAL);
	CHECK_OK(mbind_(p, 0, MPOL_BIND, &one, 2, 0));
	CHECK_ERRNO(mbind_(p, pg, MPOL_BIND, &one, 2, 8), -1, EINVAL);
	CHECK_ERRNO(mbind_((void *)-pg, 2 * pg, MPOL_BIND, &one, 2, 0), -1, EINVAL);
	CHECK_ERRNO(mbind_(p, pg, MPOL_BIND, &only_absent, absent + 2, 0), -1, EINVAL);
	CHECK_ERRNO(mbind_(p, pg, 9, &one, 2, 0), -1, EINVAL);

	/* fork keeps range policies; mremap takes them along. */
	pid_t c = test_fork();
	if (c == 0) {
		CHECK_EQ(mode_of(p + pg, MPOL_F_ADDR), MPOL_BIND);
		CHECK_EQ(mode_of(p, MPOL_F_ADDR), MPOL_DEFAULT);
		child_exit();
	}
	int st;
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK_CHILD_OK(st);
	char *q = mmap(0, 2 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE((void *)q, MAP_FAILED);
	char *moved = mremap(p + pg, 2 * pg, 2 * pg, MREMAP_MAYMOVE | MREMAP_FIXED, q);
	CHECK_EQ(moved, q);
	CHECK_EQ(mode_of(q + pg, MPOL_F_ADDR), MPOL_BIND);
	CHECK_EQ(mode_of(p + 3 * pg, MPOL_F_ADDR), MPOL_DEFAULT);
	munmap(q, 2 * pg);

	/* A hole: EFAULT for a policy, and nothing changed; the default
	 * may span holes, though not an unmapped range alone. */
	CHECK_OK(mbind_(p, pg, MPOL_BIND, &one, 2, 0));
	CHECK_ERRNO(mbind_(p, 5 * pg, MPOL_INTERLEAVE, &one, 2, 0), -1, EFAULT);
	CHECK_EQ(mode_of(p, MPOL_F_ADDR), MPOL_BIND);
	CHECK_EQ(mode_of(p + 3 * pg, MPOL_F_ADDR), MPOL_DEFAULT);
	CHECK_OK(mbind_(p, 5 * pg, MPOL_DEFAULT, NULL, 0, MPOL_MF_STRICT));
	CHECK_EQ(mode_of(p, MPOL_F_ADDR), MPOL_DEFAULT);
	CHECK_ERRNO(mbind_(p + pg, pg, MPOL_DEFAULT, NULL, 0, 0), -1, EFAULT);
	CHECK_ERRNO(mbind_(p + pg, pg, MPOL_BIND, &one, 2, 0), -1, EFAULT);

	/* set_mempolicy_home_node: bind and preferred-many ranges only. */
	CHECK_ERRNO(syscall(SYS_home_node, p, pg, 0, 0), -1, ENOENT);
	CHECK_OK(mbind_(p, pg, MPOL_BIND, &one, 2, 0));
	CHECK_OK(syscall(SYS_home_node, p, pg, 0, 0));
	CHECK_EQ(mode_of(p, MPOL_F_ADDR), MPOL_BIND);
	CHECK_OK(mbind_(p + 3 * pg, pg, MPOL_LOCAL, NULL, 0, 0));
	CHECK_ERRNO(syscall(SYS_home_node, p + 3 * pg, pg, 0, 0), -1, EOPNOTSUPP);
	CHECK_ERRNO(syscall(SYS_home_node, p, pg, absent, 0), -1, EINVAL);
	CHECK_ERRNO(syscall(SYS_home_node, p, pg, 0, 1), -1, EINVAL);
	CHECK_ERRNO(syscall(SYS_home_node, p + 1, pg, 0, 0), -1, EINVAL);
	CHECK_OK(syscall(SYS_home_node, p, 0, 0, 0));
	munmap(p, 5 * pg);
}

static long movep(pid_t pid, unsigned long n, void **pages, int *nodes, int *status, int flags)
{
	return syscall(SYS_move_pages, pid, n, pages, nodes, status, flags);
}

static long migrate(pid_t pid, unsigned long maxnode, unsigned long *from, unsigned long *to)
{
	return syscall(SYS_migrate_pages, pid, maxnode, from, to);
}

static void test_moves(void)
{
	long pg = 4096;
	char *p = mmap(0, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *untouched = mmap(0, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *none = mmap(0, pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE((void *)p, MAP_FAILED);
	ASSERT_NE((void *)untouched, MAP_FAILED);
	ASSERT_NE((void *)none, MAP_FAILED);
	p[0] = 1;
	p[pg] = 1;
	void *pages[5] = { p, p + pg + 7, untouched, (void *)4096, none };
	int want[5] = { 0, 0, -ENOENT, -EFAULT, -ENOENT };
	int status[5], nodes[5] = { 0, 0, 0, 0, 0 };

	memset(status, 0x55, sizeof(status));
	CHECK_OK(movep(0, 5, pages, NULL, status, 0));
	for (int i = 0; i < 5; i++)
		CHECK_EQ(status[i], want[i]);
	memset(status, 0x55, sizeof(status));
	CHECK_OK(movep(0, 5, pages, nodes, status, MPOL_MF_MOVE));
	for (int i = 0; i < 5; i++)
		CHECK_EQ(status[i], want[i]);
	/* A node without memory stops the call; the pages before it have
	 * their status. */
	memset(status, 0x55, sizeof(status));
	nodes[1] = absent;
	CHECK_ERRNO(movep(0, 5, pages, nodes, status, MPOL_MF_MOVE), -1, ENODEV);
	CHECK_EQ(status[0], 0);
	CHECK_EQ(status[1], 0x55555555);
	nodes[1] = -1;
	CHECK_ERRNO(movep(0, 5, pages, nodes, status, MPOL_MF_MOVE), -1, ENODEV);
	nodes[1] = 0;
	CHECK_ERRNO(movep(0, 5, pages, nodes, status, 8), -1, EINVAL);
	CHECK_ERRNO(movep(999999, 1, pages, NULL, status, 0), -1, ESRCH);
	CHECK_OK(movep(0, 0, pages, NULL, status, 0));
	CHECK_ERRNO(movep(0, 1, (void **)8, NULL, status, 0), -1, EFAULT);
	CHECK_ERRNO(movep(0, 1, pages, NULL, (int *)8, 0), -1, EFAULT);
	if (geteuid() == 0)
		CHECK_OK(movep(0, 2, pages, nodes, status, MPOL_MF_MOVE_ALL));

	/* Another process's pages. */
	int ready[2], done[2];
	ASSERT_OK(pipe(ready));
	ASSERT_OK(pipe(done));
	pid_t c = test_fork();
	if (c == 0) {
		char *cp = mmap(0, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		cp[0] = 1;
		if (write(ready[1], &cp, sizeof(cp)) != sizeof(cp))
			_exit(2);
		char ch;
		if (read(done[0], &ch, 1) != 1)
			_exit(3);
		child_exit();
	}
	char *cp;
	CHECK_EQ(read(ready[0], &cp, sizeof(cp)), (ssize_t)sizeof(cp));
	void *cpages[1] = { cp };
	status[0] = 77;
	CHECK_OK(movep(c, 1, cpages, NULL, status, 0));
	CHECK_EQ(status[0], 0);
	unsigned long from = 1, to = 1, only_absent = 1UL << absent, zero = 0;
	CHECK_EQ(migrate(c, 2, &from, &to), 0);
	CHECK_EQ(write(done[1], "x", 1), 1);
	int st;
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK_CHILD_OK(st);

	/* migrate_pages: to the nodes there are, which must not be none. */
	CHECK_EQ(migrate(0, 2, &from, &to), 0);
	if (geteuid() == 0)
		CHECK_ERRNO(migrate(0, absent + 2, &from, &only_absent), -1, EINVAL);
	CHECK_ERRNO(migrate(0, 2, &from, &zero), -1, EINVAL);
	CHECK_ERRNO(migrate(0, 2, NULL, NULL), -1, EINVAL);
	CHECK_ERRNO(migrate(0, 0, &from, &to), -1, EINVAL);
	CHECK_ERRNO(migrate(999999, 2, &from, &to), -1, ESRCH);
	CHECK_ERRNO(migrate(0, 2, (unsigned long *)8, &to), -1, EFAULT);
	CHECK_ERRNO(migrate(0, 1 << 20, &from, &to), -1, EINVAL);
}

int main(void)
{
	/* absent: the first node past the online ones. */
	static char buf[256];
	ASSERT_GT(read_text("/sys/devices/system/node/online", buf, sizeof(buf)), 0);
	char *last = strrchr(buf, ',');
	last = last ? last + 1 : buf;
	char *dash = strchr(last, '-');
	absent = atoi(dash ? dash + 1 : last) + 1;
	ASSERT_GT(60, absent);

	test_thread_policy();
	test_mbind();
	test_moves();
	return test_done();
}
