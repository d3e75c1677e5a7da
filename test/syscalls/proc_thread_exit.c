//go:build ignore

/*
 * How a multithreaded process ends: the main thread exiting alone (exit,
 * not exit_group) leaves the process running, signals still reach it,
 * and its status is that of the last thread's exit; a non-leader thread's
 * exit_group ends all with its code; a fatal signal taken by any thread
 * ends all; wait does not report the process while a thread lives.
 */
#include "testutil.h"
#include <pthread.h>

static volatile int usr1;
static void on_usr1(int sig) { (void)sig; usr1++; }

static void *last_thread(void *arg)
{
	int ready_fd = (int)(long)arg;
	/* Outlive the main thread, take a signal, then exit with 23. */
	long long t0 = now_ns();
	if (write(ready_fd, "r", 1) != 1)
		RAW(SYS_exit_group, 2);
	while (!usr1 && now_ns() - t0 < 5000000000LL)
		usleep(1000);
	RAW(SYS_exit, usr1 ? 23 : 24);
	return NULL;
}

static void *group_exiter(void *arg)
{
	(void)arg;
	usleep(20000);
	RAW(SYS_exit_group, 31);
	return NULL;
}

static void *faulter(void *arg)
{
	(void)arg;
	usleep(20000);
	*(volatile int *)8 = 1;
	return NULL;
}

int main(void)
{
	int st, p[2];
	char c;
	ASSERT_OK(pipe(p));

	/* The main thread exits first. */
	pid_t pid = test_fork();
	if (pid == 0) {
		signal(SIGUSR1, on_usr1);
		pthread_t th;
		if (pthread_create(&th, NULL, last_thread, (void *)(long)p[1]) != 0)
			_exit(2);
		RAW(SYS_exit, 0); /* only this thread */
	}
	CHECK_EQ(read(p[0], &c, 1), 1);
	usleep(50000);
	/* Still running: not reported, and it exists for kill. */
	CHECK_EQ(waitpid(pid, &st, WNOHANG), 0);
	CHECK_EQ(kill(pid, 0), 0);
	/* The signal reaches the remaining thread. */
	CHECK_OK(kill(pid, SIGUSR1));
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_EXITED(st, 23);

	/* exit_group from another thread: its code, whatever main does. */
	pid = test_fork();
	if (pid == 0) {
		pthread_t th;
		if (pthread_create(&th, NULL, group_exiter, NULL) != 0)
			_exit(2);
		for (;;)
			pause();
	}
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_EXITED(st, 31);

	/* A fault in another thread kills the process. */
	pid = test_fork();
	if (pid == 0) {
		pthread_t th;
		if (pthread_create(&th, NULL, faulter, NULL) != 0)
			_exit(2);
		for (;;)
			pause();
	}
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_SIGNALED(st, SIGSEGV);

	/* The main thread exits, then the other is killed by a signal. */
	pid = test_fork();
	if (pid == 0) {
		pthread_t th;
		if (pthread_create(&th, NULL, last_thread, (void *)(long)p[1]) != 0)
			_exit(2);
		RAW(SYS_exit, 0);
	}
	CHECK_EQ(read(p[0], &c, 1), 1);
	usleep(20000);
	CHECK_OK(kill(pid, SIGTERM));
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_SIGNALED(st, SIGTERM);
	return test_done();
}
