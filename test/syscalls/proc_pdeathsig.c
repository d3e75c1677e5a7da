//go:build ignore

/*
 * PR_SET_PDEATHSIG: the signal comes when the *thread* that forked the
 * child exits, even though the parent process lives on; not when some
 * other thread exits; when the parent process dies; it carries si_code
 * SI_USER and the dead parent's pid (Linux); fork does not inherit it.
 */
#include "testutil.h"
#include <pthread.h>
#include <sys/prctl.h>

static volatile int got, got_code;
static volatile pid_t got_pid;
static void on_sig(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	got_code = si->si_code;
	got_pid = si->si_pid;
	got++;
}

/* child_body: arm the pdeath signal, tell the parent, wait up to wait_ns
 * for it; exit 30 if it came, 31 if not. */
static void child_body(int ready_fd, long long wait_ns)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sig;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	got = 0;
	prctl(PR_SET_PDEATHSIG, SIGUSR1);
	if (write(ready_fd, "r", 1) != 1)
		_exit(2);
	long long t0 = now_ns();
	while (!got && now_ns() - t0 < wait_ns)
		usleep(1000);
	_exit(got ? 30 : 31);
}

struct targ {
	int ready_fd, wait_fd;
	pid_t child;
};

static void *forking_thread(void *arg)
{
	struct targ *a = arg;
	pid_t pid = fork();
	if (pid == 0)
		child_body(a->ready_fd, 5000000000LL);
	a->child = pid;
	/* Exit only once the child armed its signal. */
	char c;
	if (read(a->wait_fd, &c, 1) != 1)
		a->child = -1;
	return NULL;
}

static void *idle_thread(void *arg)
{
	(void)arg;
	return NULL;
}

int main(void)
{
	int p[2];
	ASSERT_OK(pipe(p));
	int st;
	char c;

	/* The forking thread exits: the child is signalled. */
	struct targ a = { p[1], p[0], 0 };
	pthread_t th;
	ASSERT_EQ(pthread_create(&th, NULL, forking_thread, &a), 0);
	CHECK_EQ(pthread_join(th, NULL), 0);
	CHECK_GT(a.child, 0);
	CHECK_EQ(waitpid(a.child, &st, 0), a.child);
	CHECK_EXITED(st, 30);

	/* A child of the main thread: another thread's exit is not a parent's
	 * death. */
	pid_t pid = test_fork();
	if (pid == 0)
		child_body(p[1], 300000000LL);
	CHECK_EQ(read(p[0], &c, 1), 1);
	ASSERT_EQ(pthread_create(&th, NULL, idle_thread, NULL), 0);
	CHECK_EQ(pthread_join(th, NULL), 0);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_EXITED(st, 31);

	/* The parent process dies: a grandchild hears of it, with SI_USER and
	 * the parent's pid. */
	int q[2];
	ASSERT_OK(pipe(q));
	pid = test_fork();
	if (pid == 0) {
		pid_t g = fork();
		if (g == 0) {
			struct sigaction sa;
			memset(&sa, 0, sizeof(sa));
			sa.sa_sigaction = on_sig;
			sa.sa_flags = SA_SIGINFO;
			sigaction(SIGUSR1, &sa, NULL);
			got = 0;
			pid_t parent = getppid();
			prctl(PR_SET_PDEATHSIG, SIGUSR1);
			if (write(p[1], "r", 1) != 1)
				_exit(2);
			long long t0 = now_ns();
			while (!got && now_ns() - t0 < 5000000000LL)
				usleep(1000);
			int res[3] = { got, got_code, got_pid == parent };
			if (write(q[1], res, sizeof(res)) != sizeof(res))
				_exit(3);
			_exit(0);
		}
		char x;
		if (read(p[0], &x, 1) != 1)
			_exit(4);
		_exit(0);
	}
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	int res[3];
	CHECK_EQ(read(q[0], res, sizeof(res)), (ssize_t)sizeof(res));
	CHECK_EQ(res[0], 1);
	CHECK_EQ(res[1], SI_USER);
	CHECK_EQ(res[2], 1);

	/* Not inherited by fork. */
	pid = test_fork();
	if (pid == 0) {
		CHECK_OK(prctl(PR_SET_PDEATHSIG, SIGUSR1));
		pid_t g = fork();
		if (g == 0) {
			int v = -1;
			prctl(PR_GET_PDEATHSIG, &v);
			_exit(v == 0 ? 0 : 1);
		}
		int gst;
		CHECK_EQ(waitpid(g, &gst, 0), g);
		CHECK_CHILD_OK(gst);
		child_exit();
	}
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	if (getpid() == 1)
		while (waitpid(-1, &st, WNOHANG) > 0)
			;
	return test_done();
}
