//go:build ignore

/*
 * Copy-on-write across repeated forks of a process with a second thread
 * that keeps writing: each child sees its parent's memory as it was at
 * the fork, and neither its writes nor its own child's reach the parent.
 * The process forks first with a few scattered pages, then with many
 * (hundreds of separate runs), which the sentry may map for the child in
 * different ways.
 */
#include "testutil.h"
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>

#define PG 4096L
#define NBIG 900

/* The thread's counter has a page of its own. */
static volatile long counter __attribute__((aligned(4096)));
static volatile int stop __attribute__((aligned(4096)));

static void *spin(void *arg)
{
	(void)arg;
	while (!stop)
		if ((++counter & 1023) == 0)
			sched_yield();
	return NULL;
}

static char small[8 * PG] __attribute__((aligned(4096)));

/* check verifies the pattern of round r in small and, if big, in every
 * third page of big; it returns the number of mismatches. */
static int check(char *big, int r)
{
	int bad = 0;
	for (int i = 0; i < 8; i++)
		bad += small[i * PG + 7] != (char)(r + i);
	if (big)
		for (int i = 0; i < NBIG; i += 3)
			bad += big[i * PG + 11] != (char)(r * 3 + i);
	return bad;
}

static void fill(char *big, int r)
{
	for (int i = 0; i < 8; i++)
		small[i * PG + 7] = (char)(r + i);
	if (big)
		for (int i = 0; i < NBIG; i += 3)
			big[i * PG + 11] = (char)(r * 3 + i);
}

static void rounds(char *big, int first)
{
	for (int r = first; r < first + 6; r++) {
		fill(big, r);
		pid_t pid = test_fork();
		ASSERT_GE(pid, 0);
		if (pid == 0) {
			/* Only the forking thread is here: the counter
			 * stays put. */
			long c = counter;
			sched_yield();
			CHECK_EQ(counter, c);
			CHECK_EQ(check(big, r), 0);
			fill(big, r + 100);
			CHECK_EQ(check(big, r + 100), 0);
			pid_t g = test_fork();
			if (g == 0) {
				CHECK_EQ(check(big, r + 100), 0);
				fill(big, r + 50);
				CHECK_EQ(check(big, r + 50), 0);
				child_exit();
			}
			int st;
			CHECK_EQ(waitpid(g, &st, 0), g);
			CHECK_CHILD_OK(st);
			CHECK_EQ(check(big, r + 100), 0);
			child_exit();
		}
		int st;
		CHECK_EQ(waitpid(pid, &st, 0), pid);
		CHECK_CHILD_OK(st);
		CHECK_EQ(check(big, r), 0);
	}
}

int main(void)
{
	pthread_t th;
	CHECK_EQ(pthread_create(&th, NULL, spin, NULL), 0);
	rounds(NULL, 1);
	char *big = mmap(NULL, NBIG * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(big, MAP_FAILED);
	rounds(big, 20);
	stop = 1;
	CHECK_EQ(pthread_join(th, NULL), 0);
	CHECK_NE(counter, 0);
	return test_done();
}
