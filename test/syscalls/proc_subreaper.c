//go:build ignore

/*
 * PR_SET_CHILD_SUBREAPER: an orphaned grandchild is reparented to the
 * subreaper (its getppid changes to ours, we get its SIGCHLD and can wait
 * for it), orphans of orphans too; the attribute is not inherited by
 * fork; a child's pdeath signal fires on reparenting; with the attribute
 * cleared, orphans go past us (to init): we cannot wait for them.
 */
#include "testutil.h"
#include <sys/prctl.h>

/* spawn_orphan forks C, which forks G and exits; G reports its parent
 * after C is gone, through fd, then waits for a byte on rfd. Returns G. */
static pid_t spawn_orphan(int wfd, int rfd, int pdeath)
{
	int q[2];
	if (pipe(q) != 0)
		FATAL("pipe: errno %d", errno);
	pid_t c = test_fork();
	if (c == 0) {
		pid_t g = fork();
		if (g == 0) {
			if (pdeath)
				prctl(PR_SET_PDEATHSIG, pdeath);
			char x;
			close(q[1]);
			if (read(q[0], &x, 1) != 0) /* EOF: C is gone */
				_exit(5);
			/* Wait until reparenting is visible. */
			pid_t pp;
			long long t0 = now_ns();
			while ((pp = getppid()) == c && now_ns() - t0 < 5000000000LL)
				usleep(1000);
			if (write(wfd, &pp, sizeof(pp)) != sizeof(pp))
				_exit(6);
			if (read(rfd, &x, 1) < 0)
				_exit(7);
			_exit(17);
		}
		if (write(wfd, &g, sizeof(g)) != sizeof(g))
			_exit(8);
		_exit(0);
	}
	close(q[0]);
	int st;
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK_CHILD_OK(st);
	close(q[1]);
	return c;
}

static volatile int usr1;
static void on_usr1(int sig) { (void)sig; usr1++; }

static void reaper_main(void)
{
	int v = -1;
	CHECK_OK(prctl(PR_SET_CHILD_SUBREAPER, 1));
	CHECK_OK(prctl(PR_GET_CHILD_SUBREAPER, &v));
	CHECK_EQ(v, 1);

	int rep[2], go[2];
	ASSERT_OK(pipe(rep));
	ASSERT_OK(pipe(go));
	spawn_orphan(rep[1], go[0], 0);
	pid_t g, pp;
	CHECK_EQ(read(rep[0], &g, sizeof(g)), (ssize_t)sizeof(g));
	CHECK_EQ(read(rep[0], &pp, sizeof(pp)), (ssize_t)sizeof(pp));
	CHECK_EQ(pp, getpid());
	/* It is our child now. */
	CHECK_EQ(write(go[1], "x", 1), 1);
	int st;
	CHECK_EQ(waitpid(g, &st, 0), g);
	CHECK_EXITED(st, 17);

	/* Not inherited by a child. */
	pid_t pid = test_fork();
	if (pid == 0) {
		int cv = -1;
		CHECK_OK(prctl(PR_GET_CHILD_SUBREAPER, &cv));
		CHECK_EQ(cv, 0);
		child_exit();
	}
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);

	/* The orphan's pdeath signal fires when its parent dies, even though
	 * it is reparented to a live subreaper. */
	int rep2[2], go2[2];
	ASSERT_OK(pipe(rep2));
	ASSERT_OK(pipe(go2));
	int sp[2];
	ASSERT_OK(pipe(sp));
	pid = test_fork();
	if (pid == 0) {
		/* A middle process that is itself the subreaper's child. */
		signal(SIGUSR1, SIG_DFL);
		_exit(0);
	}
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	signal(SIGUSR1, on_usr1);
	pid_t c2 = test_fork();
	if (c2 == 0) {
		pid_t g2 = fork();
		if (g2 == 0) {
			usr1 = 0;
			prctl(PR_SET_PDEATHSIG, SIGUSR1);
			if (write(sp[1], "r", 1) != 1)
				_exit(2);
			long long t0 = now_ns();
			while (!usr1 && now_ns() - t0 < 5000000000LL)
				usleep(1000);
			_exit(usr1 ? 23 : 24);
		}
		char x;
		if (read(sp[0], &x, 1) != 1)
			_exit(3);
		_exit(0);
	}
	CHECK_EQ(waitpid(c2, &st, 0), c2);
	CHECK_CHILD_OK(st);
	pid_t got = waitpid(-1, &st, 0);
	CHECK_GT(got, 0);
	CHECK_EXITED(st, 23);

	/* Cleared: orphans are no longer ours. */
	CHECK_OK(prctl(PR_SET_CHILD_SUBREAPER, 0));
	spawn_orphan(rep[1], go[0], 0);
	CHECK_EQ(read(rep[0], &g, sizeof(g)), (ssize_t)sizeof(g));
	CHECK_EQ(read(rep[0], &pp, sizeof(pp)), (ssize_t)sizeof(pp));
	CHECK_NE(pp, getpid());
	CHECK_ERRNO(waitpid(g, &st, WNOHANG), -1, ECHILD);
	CHECK_EQ(write(go[1], "x", 1), 1);
	/* Any nonzero value sets it; PR_GET needs a valid pointer. */
	CHECK_OK(prctl(PR_SET_CHILD_SUBREAPER, 42));
	CHECK_OK(prctl(PR_GET_CHILD_SUBREAPER, &v));
	CHECK_EQ(v, 1);
	CHECK_ERRNO(prctl(PR_GET_CHILD_SUBREAPER, (void *)1), -1, EFAULT);
	child_exit();
}

int main(void)
{
	/* The checks run in a child, so that the subreaper is never init
	 * (which a test in a sandbox is). */
	pid_t r = test_fork();
	if (r == 0)
		reaper_main();
	int st;
	CHECK_EQ(waitpid(r, &st, 0), r);
	CHECK_CHILD_OK(st);
	if (getpid() == 1) {
		/* As init we inherit the last orphan: reap it. */
		while (waitpid(-1, &st, 0) > 0)
			;
	}
	return test_done();
}
