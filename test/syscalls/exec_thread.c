//go:build ignore

/*
 * execve from a non-leader thread of a multithreaded process: the other
 * threads die, and the new image runs as the process with its PID.
 * Also robust futexes: a thread that dies holding a robust lock leaves it
 * marked FUTEX_OWNER_DIED.
 */
#include "testutil.h"
#include <linux/futex.h>
#include <pthread.h>

static pid_t mainpid;
static volatile int spin = 1;

static void *execer(void *arg)
{
	(void)arg;
	char pidbuf[32];
	snprintf(pidbuf, sizeof(pidbuf), "%d", mainpid);
	char *argv[] = {"/bin/sh", "-c", "test \"$$\" = \"$0\" && echo same-pid", pidbuf, NULL};
	execv("/bin/sh", argv);
	FATAL("execv: errno %d", errno);
	return NULL;
}

static void *sleeper(void *arg)
{
	(void)arg;
	while (spin)
		usleep(1000);
	return NULL;
}

static pthread_mutex_t robust;

static void *die_holding(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&robust);
	return NULL; /* exits with the lock held */
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	/* Robust mutex: the next locker gets EOWNERDEAD. */
	pthread_mutexattr_t ma;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
	ASSERT_EQ(pthread_mutex_init(&robust, &ma), 0);
	pthread_t th;
	ASSERT_EQ(pthread_create(&th, NULL, die_holding, NULL), 0);
	ASSERT_EQ(pthread_join(th, NULL), 0);
	CHECK_EQ(pthread_mutex_lock(&robust), EOWNERDEAD);
	CHECK_EQ(pthread_mutex_consistent(&robust), 0);
	CHECK_EQ(pthread_mutex_unlock(&robust), 0);

	/* Exec from a second thread in a child process. */
	int p[2];
	ASSERT_OK(pipe(p));
	pid_t pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		mainpid = getpid();
		pthread_t a, b;
		pthread_create(&b, NULL, sleeper, NULL);
		pthread_create(&a, NULL, execer, NULL);
		pthread_join(a, NULL);
		_exit(99);
	}
	close(p[1]);
	char buf[64] = {0};
	ssize_t n = read(p[0], buf, sizeof(buf) - 1);
	CHECK_GT(n, 0);
	CHECK_STREQ(buf, "same-pid\n");
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_EXITED(st, 0);
	return test_done();
}
