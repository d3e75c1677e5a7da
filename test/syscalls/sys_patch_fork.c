//go:build ignore

/*
 * "mov $NR, %eax; syscall" sites (see syspatch.h) across fork and vfork:
 * after the parent used its sites many times, a forked child gets its
 * own pid, parent pid and tid from the same sites (nothing is cached
 * from the parent), in its main thread and in a new thread, and sites it
 * uses first work in it and afterwards in the parent; a fork made from a
 * site works the same; children forked while a parent thread runs the
 * sites are right too; vfork from a site with exit_group from another
 * site in the child (sharing the parent's memory) returns each child's
 * pid and exit code.
 */
#include "syspatch.h"
#include <pthread.h>

SITE(s_getpid, SYS_getpid)
SITE(s_getppid, SYS_getppid)
SITE(s_gettid, SYS_gettid)
SITE(s_write, SYS_write)
SITE(s_fork, SYS_fork)
SITE(s_exit_group, SYS_exit_group)
SITE(s_child_first, SYS_getpid)
SITE(s_thread_first, SYS_gettid)

/* vfork_exit(code): vfork from a site; the child exit_groups with code
 * from another site without touching the stack; the parent gets the
 * child's pid (or -errno). */
extern char vfork_site[], vexit_site[];
long vfork_exit(long code);
__asm__(".text\n.p2align 4\n.type vfork_exit,@function\nvfork_exit:\n"
	"nop\nvfork_site:\n\tmov $" SP_STR(SYS_vfork) ", %eax\n\tsyscall\n"
	"\ttest %rax, %rax\n\tjnz 1f\n"
	"nop\nvexit_site:\n\tmov $" SP_STR(SYS_exit_group) ", %eax\n\tsyscall\n"
	"\tud2\n"
	"1:\tret\n.size vfork_exit, .-vfork_exit\n");

#define N 1000

/* check_ids: the sites give this process's ids, n times. */
static int check_ids(pid_t pid, pid_t ppid, pid_t tid, int n)
{
	for (int i = 0; i < n; i++) {
		long a = s_getpid(0, 0, 0, 0, 0, 0), b = s_getppid(0, 0, 0, 0, 0, 0),
		     c = s_gettid(0, 0, 0, 0, 0, 0);
		if (a != pid || b != ppid || c != tid) {
			FAIL("call %d: getpid %ld getppid %ld gettid %ld, want %d %d %d", i, a,
			     b, c, pid, ppid, tid);
			return 0;
		}
	}
	return 1;
}

static void *child_thread(void *arg)
{
	(void)arg;
	pid_t tid = syscall(SYS_gettid), pid = getpid();
	check_ids(pid, getppid(), tid, N / 2);
	for (int i = 0; i < N / 2; i++)
		if (s_thread_first(0, 0, 0, 0, 0, 0) != tid) {
			FAIL("new site in a thread of the child: call %d", i);
			break;
		}
	return NULL;
}

static volatile int bg_stop;
static volatile long bg_calls, bg_errors;
static void *bg(void *arg)
{
	(void)arg;
	pid_t tid = syscall(SYS_gettid), pid = getpid();
	while (!bg_stop) {
		if (s_gettid(0, 0, 0, 0, 0, 0) != tid || s_getpid(0, 0, 0, 0, 0, 0) != pid)
			bg_errors++;
		bg_calls++;
	}
	return NULL;
}

int main(void)
{
	CHECK_SITE(s_getpid, SYS_getpid);
	CHECK_SITE(s_getppid, SYS_getppid);
	CHECK_SITE(s_gettid, SYS_gettid);
	CHECK_SITE(s_write, SYS_write);
	CHECK_SITE(s_fork, SYS_fork);
	CHECK_SITE(s_exit_group, SYS_exit_group);
	CHECK_SITE(s_child_first, SYS_getpid);
	CHECK_SITE(s_thread_first, SYS_gettid);
	CHECK(site_ok(vfork_site, SYS_vfork));
	CHECK(site_ok(vexit_site, SYS_exit_group));

	pid_t me = getpid(), parent = getppid();
	check_ids(me, parent, me, N);
	int p[2];
	ASSERT_OK(pipe(p));
	for (int i = 0; i < N; i++)
		if (s_write(p[1], (long)"", 0, 0, 0, 0) != 0) {
			FAIL("warm-up write %d", i);
			break;
		}

	/* A forked child: its own ids from the parent's (used) sites, a site
	 * it uses first, and a new thread. */
	pid_t c = test_fork();
	ASSERT_GE(c, 0);
	if (c == 0) {
		pid_t cp = getpid();
		CHECK_NE(cp, me);
		check_ids(cp, me, cp, N);
		for (int i = 0; i < N; i++)
			if (s_child_first(0, 0, 0, 0, 0, 0) != cp) {
				FAIL("new site in the child: call %d", i);
				break;
			}
		CHECK_EQ(s_write(p[1], (long)&cp, sizeof cp, 0, 0, 0), sizeof cp);
		pthread_t t;
		CHECK_EQ(pthread_create(&t, NULL, child_thread, NULL), 0);
		CHECK_EQ(pthread_join(t, NULL), 0);
		child_exit();
	}
	int st;
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK_CHILD_OK(st);
	pid_t got = 0;
	CHECK_EQ(read(p[0], &got, sizeof got), sizeof got);
	CHECK_EQ(got, c);
	/* The site the child used first works here, and gives our pid. */
	for (int i = 0; i < N; i++)
		if (s_child_first(0, 0, 0, 0, 0, 0) != me) {
			FAIL("child's first site in the parent: call %d", i);
			break;
		}
	check_ids(me, parent, me, 10);

	/* fork from a site; the child exits from a site with its pid's low
	 * bits, which the parent checks. */
	for (int i = 0; i < 20; i++) {
		long r = s_fork(0, 0, 0, 0, 0, 0);
		if (r == 0) {
			pid_t cp = syscall(SYS_getpid);
			int ok = check_ids(cp, me, cp, 100);
			s_exit_group(ok ? (cp & 0x7f) : 255, 0, 0, 0, 0, 0);
			_exit(254);
		}
		if (r < 0) {
			FAIL("raw fork %d: %ld", i, r);
			break;
		}
		CHECK_EQ(waitpid(r, &st, 0), r);
		CHECK_EXITED(st, (int)(r & 0x7f));
	}

	/* Forks while another thread runs the sites. */
	pthread_t t;
	ASSERT_EQ(pthread_create(&t, NULL, bg, NULL), 0);
	for (int i = 0; i < 15; i++) {
		c = test_fork();
		ASSERT_GE(c, 0);
		if (c == 0) {
			pid_t cp = getpid();
			check_ids(cp, me, cp, 100);
			child_exit();
		}
		CHECK_EQ(waitpid(c, &st, 0), c);
		CHECK_CHILD_OK(st);
	}
	bg_stop = 1;
	CHECK_EQ(pthread_join(t, NULL), 0);
	CHECK_GT(bg_calls, 0);
	CHECK_EQ(bg_errors, 0);

	/* vfork and exit_group from sites, the child in our memory. */
	for (int i = 0; i < 60; i++) {
		long r = vfork_exit(i & 0x7f);
		if (r <= 0) {
			FAIL("vfork %d: %ld", i, r);
			break;
		}
		CHECK_EQ(waitpid(r, &st, 0), r);
		CHECK_EXITED(st, i & 0x7f);
	}
	check_ids(me, parent, me, 10);
	return test_done();
}
