//go:build ignore

/*
 * Side effects of changing credentials (Linux's commit_creds): when the
 * effective or filesystem user or group ID changes, the parent-death
 * signal is cleared and the process becomes non-dumpable (suid_dumpable
 * 0); changes that keep those IDs (the real ID alone, setgroups, a
 * setresuid to the same values) clear nothing. (Needs root.)
 */
#include "testutil.h"
#include <grp.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>

static int pdeath(void)
{
	int v = -1;
	prctl(PR_GET_PDEATHSIG, &v);
	return v;
}

static void arm(void)
{
	prctl(PR_SET_PDEATHSIG, SIGUSR1);
	prctl(PR_SET_DUMPABLE, 1);
}

int main(void)
{
	if (getuid() != 0)
		return test_done();
	pid_t pid = test_fork();
	if (pid == 0) {
		/* No change at all. */
		arm();
		CHECK_OK(setresuid(0, 0, 0));
		CHECK_EQ(pdeath(), SIGUSR1);
		CHECK_EQ(prctl(PR_GET_DUMPABLE), 1);
		/* Groups only. */
		gid_t g = 5;
		CHECK_OK(setgroups(1, &g));
		CHECK_EQ(pdeath(), SIGUSR1);
		CHECK_EQ(prctl(PR_GET_DUMPABLE), 1);
		/* Real UID only (effective and fs stay 0). */
		CHECK_OK(setresuid(1000, -1, -1));
		CHECK_EQ(pdeath(), SIGUSR1);
		CHECK_EQ(prctl(PR_GET_DUMPABLE), 1);
		/* Effective GID. */
		CHECK_OK(setresgid(-1, 1000, -1));
		CHECK_EQ(pdeath(), 0);
		CHECK_NE(prctl(PR_GET_DUMPABLE), 1); /* 0, or 2 with suid_dumpable 2 */
		/* Filesystem UID alone. */
		arm();
		setfsuid(1234);
		CHECK_EQ(pdeath(), 0);
		CHECK_NE(prctl(PR_GET_DUMPABLE), 1); /* 0, or 2 with suid_dumpable 2 */
		setfsuid(0);
		/* Effective UID, keeping the saved one at 0 to come back. */
		arm();
		CHECK_OK(setresuid(-1, 1000, 0));
		CHECK_EQ(pdeath(), 0);
		CHECK_NE(prctl(PR_GET_DUMPABLE), 1); /* 0, or 2 with suid_dumpable 2 */
		child_exit();
	}
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	return test_done();
}
