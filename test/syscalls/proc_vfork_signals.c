//go:build ignore

/*
 * Signals around vfork: the parent's handler does not run while it waits
 * for the child (the signal stays pending and is handled once vfork
 * returns); a vfork child killed by a signal releases the parent; a
 * vfork child that execs a program that fails releases the parent at the
 * exec; SIGKILL to the waiting parent kills it.
 */
#include "testutil.h"
#include <sys/time.h>

static volatile int alarms;
static void on_alrm(int sig) { (void)sig; alarms++; }

int main(void)
{
	int st;
	signal(SIGALRM, on_alrm);

	/* The parent's timer fires while the child runs. */
	struct itimerval itv = { { 0, 0 }, { 0, 20000 } };
	CHECK_OK(setitimer(ITIMER_REAL, &itv, NULL));
	volatile int seen_in_child = -1;
	pid_t pid = vfork();
	if (pid == 0) {
		usleep(100000);
		seen_in_child = alarms; /* shared memory: the parent's counter */
		_exit(0);
	}
	CHECK_GT(pid, 0);
	CHECK_EQ(seen_in_child, 0);
	/* Handled by now (on the way back from vfork). */
	CHECK_EQ(alarms, 1);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);

	/* A child killed by a signal releases the parent. */
	pid = vfork();
	if (pid == 0) {
		raise(SIGTERM);
		_exit(1);
	}
	CHECK_GT(pid, 0);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_SIGNALED(st, SIGTERM);

	/* exec of a program that exits: the parent goes on at the exec. */
	long long t0 = now_ns();
	pid = vfork();
	if (pid == 0) {
		char *args[] = { "sleep", "1", NULL };
		execv("/bin/sleep", args);
		_exit(127);
	}
	CHECK_GT(pid, 0);
	/* Well before the sleep ends, with room for a slow exec. */
	CHECK_LT(now_ns() - t0, 700000000LL);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	CHECK_GE(now_ns() - t0, 990000000LL);

	/* SIGKILL to a parent waiting in vfork ends it. */
	int p[2];
	ASSERT_OK(pipe(p));
	pid_t w = test_fork();
	if (w == 0) {
		pid_t c = vfork();
		if (c == 0) {
			pid_t me = getpid();
			if (write(p[1], &me, sizeof(me)) != sizeof(me))
				_exit(2);
			/* Linger well past the parent's end. */
			usleep(2000000);
			_exit(0);
		}
		_exit(5); /* not reached while the child lingers */
	}
	pid_t c;
	CHECK_EQ(read(p[0], &c, sizeof(c)), (ssize_t)sizeof(c));
	CHECK_OK(kill(w, SIGKILL));
	t0 = now_ns();
	CHECK_EQ(waitpid(w, &st, 0), w);
	CHECK_SIGNALED(st, SIGKILL);
	CHECK_LT(now_ns() - t0, 1500000000LL);
	return test_done();
}
