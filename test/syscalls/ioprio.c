//go:build ignore

/* ioprio_get(2) and ioprio_set(2): per-thread I/O priority classes and
 * levels, the process group and user targets, and who may set what. */
#include "testutil.h"
#include <pthread.h>
#include <sched.h>

#define WHO_PROCESS 1
#define WHO_PGRP 2
#define WHO_USER 3
#define CLASS_NONE 0
#define CLASS_RT 1
#define CLASS_BE 2
#define CLASS_IDLE 3
#define PRIO(c, d) (((c) << 13) | (d))

static long ioget(int which, int who) { return syscall(SYS_ioprio_get, which, who); }
static long ioset(int which, int who, long prio) { return syscall(SYS_ioprio_set, which, who, prio); }

static void *thread_main(void *arg)
{
	/* A new thread starts with its creator's priority. */
	CHECK_EQ(ioget(WHO_PROCESS, 0), PRIO(CLASS_BE, 3));
	CHECK_OK(ioset(WHO_PROCESS, 0, PRIO(CLASS_IDLE, 0)));
	CHECK_EQ(ioget(WHO_PROCESS, 0), PRIO(CLASS_IDLE, 0));
	*(pid_t *)arg = gettid();
	return NULL;
}

static int io_child(void *arg)
{
	(void)arg;
	return ioset(WHO_PROCESS, 0, PRIO(CLASS_IDLE, 6)) == 0 ? 0 : 1;
}

int main(void)
{
	/* A thread that never set one has none: class NONE, data 0. */
	CHECK_EQ(ioget(WHO_PROCESS, 0), 0);
	CHECK_EQ(ioget(WHO_PROCESS, getpid()), 0);

	CHECK_OK(ioset(WHO_PROCESS, 0, PRIO(CLASS_BE, 3)));
	CHECK_EQ(ioget(WHO_PROCESS, 0), PRIO(CLASS_BE, 3));
	CHECK_EQ(ioget(WHO_PROCESS, getpid()), PRIO(CLASS_BE, 3));
	/* Idle and best-effort data is kept as given; the level is its low
	 * three bits, so any data passes. Bits above 16 are dropped. */
	CHECK_OK(ioset(WHO_PROCESS, 0, PRIO(CLASS_IDLE, 5)));
	CHECK_EQ(ioget(WHO_PROCESS, 0), PRIO(CLASS_IDLE, 5));
	CHECK_OK(ioset(WHO_PROCESS, 0, PRIO(CLASS_IDLE, 9)));
	CHECK_EQ(ioget(WHO_PROCESS, 0), PRIO(CLASS_IDLE, 9));
	CHECK_OK(ioset(WHO_PROCESS, 0, PRIO(CLASS_BE, 0x3f)));
	CHECK_EQ(ioget(WHO_PROCESS, 0), PRIO(CLASS_BE, 0x3f));
	CHECK_OK(ioset(WHO_PROCESS, 0, 0x10000 | PRIO(CLASS_BE, 1)));
	CHECK_EQ(ioget(WHO_PROCESS, 0), PRIO(CLASS_BE, 1));
	CHECK_OK(ioset(WHO_PROCESS, 0, PRIO(CLASS_NONE, 0)));
	CHECK_EQ(ioget(WHO_PROCESS, 0), 0);

	/* Bad classes, data and targets. */
	CHECK_ERRNO(ioset(WHO_PROCESS, 0, PRIO(CLASS_NONE, 1)), -1, EINVAL);
	CHECK_ERRNO(ioset(WHO_PROCESS, 0, PRIO(4, 0)), -1, EINVAL);
	CHECK_ERRNO(ioset(WHO_PROCESS, 0, PRIO(7, 1)), -1, EINVAL);
	CHECK_ERRNO(ioset(0, 0, PRIO(CLASS_BE, 1)), -1, EINVAL);
	CHECK_ERRNO(ioset(4, 0, PRIO(CLASS_BE, 1)), -1, EINVAL);
	CHECK_ERRNO(ioset(4, 0x3fffffff, PRIO(7, 1)), -1, EINVAL);
	CHECK_ERRNO(ioget(0, 0), -1, EINVAL);
	CHECK_ERRNO(ioget(4, 0), -1, EINVAL);
	CHECK_ERRNO(ioget(WHO_PROCESS, 0x3fffffff), -1, ESRCH);
	CHECK_ERRNO(ioget(WHO_PROCESS, -1), -1, ESRCH);
	CHECK_ERRNO(ioset(WHO_PROCESS, 0x3fffffff, PRIO(CLASS_BE, 1)), -1, ESRCH);
	CHECK_ERRNO(ioget(WHO_PGRP, 0x3fffffff), -1, ESRCH);
	CHECK_ERRNO(ioset(WHO_PGRP, 0x3fffffff, 0), -1, ESRCH);
	CHECK_ERRNO(ioget(WHO_USER, -1), -1, ESRCH);
	CHECK_EQ(ioget(WHO_PROCESS, 0), 0);

	/* Threads: each has its own, and starts with its creator's. */
	CHECK_OK(ioset(WHO_PROCESS, 0, PRIO(CLASS_BE, 3)));
	pthread_t th;
	pid_t tid = 0;
	ASSERT_EQ(pthread_create(&th, NULL, thread_main, &tid), 0);
	ASSERT_EQ(pthread_join(th, NULL), 0);
	CHECK_EQ(ioget(WHO_PROCESS, 0), PRIO(CLASS_BE, 3));

	/* A forked child inherits it. */
	pid_t c = test_fork();
	if (c == 0) {
		CHECK_EQ(ioget(WHO_PROCESS, 0), PRIO(CLASS_BE, 3));
		child_exit();
	}
	int st;
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK_CHILD_OK(st);

	/* CLONE_IO shares the priority with the child; without it the
	 * child has its own copy. */
	static char stack[65536];
	CHECK_OK(ioset(WHO_PROCESS, 0, PRIO(CLASS_BE, 3)));
	c = clone(io_child, stack + sizeof stack, SIGCHLD, NULL);
	ASSERT_GE(c, 0);
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK_CHILD_OK(st);
	CHECK_EQ(ioget(WHO_PROCESS, 0), PRIO(CLASS_BE, 3));
	c = clone(io_child, stack + sizeof stack, CLONE_IO | SIGCHLD, NULL);
	ASSERT_GE(c, 0);
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK_CHILD_OK(st);
	CHECK_EQ(ioget(WHO_PROCESS, 0), PRIO(CLASS_IDLE, 6));
	CHECK_OK(ioset(WHO_PROCESS, 0, PRIO(CLASS_BE, 3)));

	/* A process group reports the highest priority of its threads,
	 * counting NONE as best effort level 4, even for one thread.
	 * Setting reaches every member. */
	c = test_fork();
	if (c == 0) {
		CHECK_OK(setpgid(0, 0));
		CHECK_OK(ioset(WHO_PROCESS, 0, 0));
		CHECK_EQ(ioget(WHO_PGRP, 0), PRIO(CLASS_BE, 4));
		CHECK_EQ(ioget(WHO_PGRP, getpid()), PRIO(CLASS_BE, 4));
		CHECK_OK(ioset(WHO_PROCESS, 0, PRIO(CLASS_BE, 7)));
		CHECK_EQ(ioget(WHO_PGRP, 0), PRIO(CLASS_BE, 7));
		CHECK_OK(ioset(WHO_PROCESS, 0, PRIO(CLASS_IDLE, 5)));
		CHECK_EQ(ioget(WHO_PGRP, 0), PRIO(CLASS_IDLE, 5));
		int p[2];
		ASSERT_OK(pipe(p));
		pid_t g = fork();
		ASSERT_GE(g, 0);
		if (g == 0) {
			char b;
			close(p[1]);
			_exit(read(p[0], &b, 1) == 0 ? 0 : 1);
		}
		close(p[0]);
		CHECK_OK(ioset(WHO_PROCESS, g, 0));
		CHECK_EQ(ioget(WHO_PGRP, 0), PRIO(CLASS_BE, 4));
		CHECK_OK(ioset(WHO_PROCESS, g, PRIO(CLASS_BE, 6)));
		CHECK_EQ(ioget(WHO_PGRP, 0), PRIO(CLASS_BE, 6));
		CHECK_OK(ioset(WHO_PROCESS, g, PRIO(CLASS_BE, 1)));
		CHECK_EQ(ioget(WHO_PGRP, 0), PRIO(CLASS_BE, 1));
		CHECK_OK(ioset(WHO_PGRP, 0, PRIO(CLASS_IDLE, 2)));
		CHECK_EQ(ioget(WHO_PROCESS, g), PRIO(CLASS_IDLE, 2));
		CHECK_EQ(ioget(WHO_PROCESS, 0), PRIO(CLASS_IDLE, 2));
		CHECK_EQ(ioget(WHO_PGRP, 0), PRIO(CLASS_IDLE, 2));
		close(p[1]);
		int gst;
		CHECK_EQ(waitpid(g, &gst, 0), g);
		CHECK_CHILD_OK(gst);
		child_exit();
	}
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK_CHILD_OK(st);

	if (geteuid() == 0) {
		/* As root: the real-time class. */
		CHECK_OK(ioset(WHO_PROCESS, 0, PRIO(CLASS_RT, 7)));
		CHECK_EQ(ioget(WHO_PROCESS, 0), PRIO(CLASS_RT, 7));
		CHECK_OK(ioset(WHO_PROCESS, 0, PRIO(CLASS_BE, 3)));
		pid_t self = getpid();
		c = test_fork();
		if (c == 0) {
			/* Another user, without capabilities: the user target
			 * sees only its own threads; real time is refused
			 * before the target is looked up, and another user's
			 * threads may be read but not changed. */
			CHECK_OK(setresgid(54321, 54321, 54321));
			CHECK_OK(setresuid(54321, 54321, 54321));
			CHECK_OK(ioset(WHO_PROCESS, 0, PRIO(CLASS_BE, 5)));
			CHECK_EQ(ioget(WHO_USER, 0), PRIO(CLASS_BE, 5));
			CHECK_EQ(ioget(WHO_USER, 54321), PRIO(CLASS_BE, 5));
			CHECK_OK(ioset(WHO_USER, 54321, PRIO(CLASS_BE, 6)));
			CHECK_EQ(ioget(WHO_PROCESS, 0), PRIO(CLASS_BE, 6));
			CHECK_ERRNO(ioset(WHO_PROCESS, 0, PRIO(CLASS_RT, 0)), -1, EPERM);
			CHECK_ERRNO(ioset(WHO_PROCESS, 0x3fffffff, PRIO(CLASS_RT, 0)), -1, EPERM);
			CHECK_OK(ioset(WHO_PROCESS, 0, PRIO(CLASS_IDLE, 0)));
			CHECK_OK(ioset(WHO_PROCESS, 0, PRIO(CLASS_BE, 0)));
			CHECK_EQ(ioget(WHO_PROCESS, self), PRIO(CLASS_BE, 3));
			CHECK_ERRNO(ioset(WHO_PROCESS, self, PRIO(CLASS_BE, 1)), -1, EPERM);
			CHECK_EQ(ioget(WHO_PROCESS, self), PRIO(CLASS_BE, 3));
			child_exit();
		}
		CHECK_EQ(waitpid(c, &st, 0), c);
		CHECK_CHILD_OK(st);
	}
	return test_done();
}
