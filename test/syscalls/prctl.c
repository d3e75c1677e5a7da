//go:build ignore

/* prctl: names, parent-death signal, child subreaper, dumpable, keepcaps,
 * the TID address. */
#include "testutil.h"
#include <sys/prctl.h>

static int tidword;

int main(void)
{
	char name[32];
	CHECK_OK(prctl(PR_SET_NAME, "moat-test-name-too-long"));
	CHECK_OK(prctl(PR_GET_NAME, name));
	CHECK_STREQ(name, "moat-test-name-");
	CHECK_OK(prctl(PR_SET_NAME, "short"));
	CHECK_OK(prctl(PR_GET_NAME, name));
	CHECK_STREQ(name, "short");

	int sig = -1;
	CHECK_OK(prctl(PR_GET_PDEATHSIG, &sig));
	CHECK_EQ(sig, 0);
	CHECK_OK(prctl(PR_SET_PDEATHSIG, SIGUSR1));
	CHECK_OK(prctl(PR_GET_PDEATHSIG, &sig));
	CHECK_EQ(sig, SIGUSR1);
	CHECK_ERRNO(prctl(PR_SET_PDEATHSIG, 1000), -1, EINVAL);
	CHECK_OK(prctl(PR_SET_PDEATHSIG, 0));

	CHECK_EQ(prctl(PR_GET_DUMPABLE), 1);
	CHECK_OK(prctl(PR_SET_DUMPABLE, 0));
	CHECK_EQ(prctl(PR_GET_DUMPABLE), 0);
	CHECK_ERRNO(prctl(PR_SET_DUMPABLE, 5), -1, EINVAL);
	CHECK_OK(prctl(PR_SET_DUMPABLE, 1));

	CHECK_EQ(prctl(PR_GET_KEEPCAPS), 0);
	CHECK_OK(prctl(PR_SET_KEEPCAPS, 1));
	CHECK_EQ(prctl(PR_GET_KEEPCAPS), 1);
	CHECK_OK(prctl(PR_SET_KEEPCAPS, 0));

	int *addr = NULL;
	syscall(SYS_set_tid_address, &tidword);
	CHECK_OK(prctl(PR_GET_TID_ADDRESS, &addr));
	CHECK_EQ(addr, &tidword);

	/* Subreaper: an orphaned grandchild is reparented to us. */
	int v = -1;
	CHECK_OK(prctl(PR_GET_CHILD_SUBREAPER, &v));
	CHECK_EQ(v, 0);
	CHECK_OK(prctl(PR_SET_CHILD_SUBREAPER, 1));
	CHECK_OK(prctl(PR_GET_CHILD_SUBREAPER, &v));
	CHECK_EQ(v, 1);
	/* p holds the grandchild until we close it; q carries its pid. */
	int p[2], q[2];
	ASSERT_OK(pipe(p));
	ASSERT_OK(pipe(q));
	pid_t c = fork();
	ASSERT_GE(c, 0);
	if (c == 0) {
		pid_t g = fork();
		if (g == 0) {
			char ch;
			close(p[1]);
			read(p[0], &ch, 1); /* until the parent closes */
			_exit(8);
		}
		char buf[16];
		int n = snprintf(buf, sizeof(buf), "%d", g);
		write(q[1], buf, n);
		_exit(0);
	}
	close(q[1]);
	char buf[16] = {0};
	CHECK_GT(read(q[0], buf, sizeof(buf) - 1), 0);
	close(q[0]);
	pid_t g = atoi(buf);
	int st;
	CHECK_EQ(waitpid(c, &st, 0), c);
	close(p[1]);
	close(p[0]);
	/* The grandchild is now ours. */
	CHECK_EQ(waitpid(g, &st, 0), g);
	CHECK_EXITED(st, 8);

	/* Parent-death signal: a child asks for SIGKILL when its parent (a
	 * middle process) exits. */
	ASSERT_OK(pipe(p));
	c = fork();
	if (c == 0) {
		pid_t g2 = fork();
		if (g2 == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			write(p[1], "r", 1);
			for (;;)
				pause();
		}
		char ch;
		read(p[0], &ch, 1);
		char b2[16];
		int n = snprintf(b2, sizeof(b2), "%d", g2);
		write(p[1], b2, n);
		_exit(0);
	}
	CHECK_EQ(waitpid(c, &st, 0), c);
	memset(buf, 0, sizeof(buf));
	CHECK_GT(read(p[0], buf, sizeof(buf) - 1), 0);
	g = atoi(buf);
	CHECK_EQ(waitpid(g, &st, 0), g);
	CHECK_SIGNALED(st, SIGKILL);
	CHECK_OK(prctl(PR_SET_CHILD_SUBREAPER, 0));
	CHECK_ERRNO(prctl(0x7fffffff, 0), -1, EINVAL);
	return test_done();
}
