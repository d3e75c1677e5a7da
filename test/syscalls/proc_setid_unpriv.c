//go:build ignore

/*
 * setuid/setgid family without privilege, after a child drops from root to
 * distinct real, effective and saved IDs: unprivileged setuid only sets
 * the effective ID to the real or saved one; setreuid/setresuid accept
 * only current IDs (and setreuid updates the saved ID as documented);
 * setfsuid returns the old value and ignores an unpermitted one;
 * setgroups is EPERM whatever the list; the same for the group IDs.
 * (Needs root to drop from; as another user only the EPERM checks run.)
 */
#include "testutil.h"
#include <grp.h>
#include <sys/fsuid.h>

static void ids(uid_t *r, uid_t *e, uid_t *s) { getresuid(r, e, s); }
static void gids(gid_t *r, gid_t *e, gid_t *s) { getresgid(r, e, s); }

#define CHECK_RES(R, E, S)                          \
	do {                                        \
		uid_t r_, e_, s_;                   \
		ids(&r_, &e_, &s_);                 \
		CHECK_EQ(r_, R);                    \
		CHECK_EQ(e_, E);                    \
		CHECK_EQ(s_, S);                    \
	} while (0)
#define CHECK_RESG(R, E, S)                         \
	do {                                        \
		gid_t r_, e_, s_;                   \
		gids(&r_, &e_, &s_);                \
		CHECK_EQ(r_, R);                    \
		CHECK_EQ(e_, E);                    \
		CHECK_EQ(s_, S);                    \
	} while (0)

static void unprivileged_checks(void)
{
	/* Now: uid 1000/2000/3000, gid 100/200/300, no capabilities. */
	CHECK_RES(1000, 2000, 3000);
	CHECK_RESG(100, 200, 300);
	CHECK_ERRNO(setuid(0), -1, EPERM);
	CHECK_ERRNO(setuid(4000), -1, EPERM);
	CHECK_RES(1000, 2000, 3000);
	/* setuid to the saved ID: effective only. */
	CHECK_EQ(setuid(3000), 0);
	CHECK_RES(1000, 3000, 3000);
	CHECK_EQ(setresuid(-1, 1000, -1), 0);
	CHECK_RES(1000, 1000, 3000);
	CHECK_ERRNO(setresuid(4000, -1, -1), -1, EPERM);
	CHECK_ERRNO(setresuid(-1, -1, 0), -1, EPERM);
	CHECK_RES(1000, 1000, 3000);
	/* setreuid: the real ID only to the real or effective one. */
	CHECK_ERRNO(setreuid(3000, -1), -1, EPERM);
	CHECK_EQ(setreuid(-1, 3000), 0);
	CHECK_RES(1000, 3000, 3000);
	/* Setting the real ID makes the saved one the new effective one. */
	CHECK_EQ(setreuid(3000, 1000), 0);
	CHECK_RES(3000, 1000, 1000);
	/* setfsuid: returns the old value; an unpermitted one is ignored. */
	CHECK_EQ(setfsuid(-1), 1000);
	CHECK_EQ(setfsuid(5000), 1000);
	CHECK_EQ(setfsuid(-1), 1000);
	CHECK_EQ(setfsuid(3000), 1000);
	CHECK_EQ(setfsuid(-1), 3000);

	/* Groups. */
	CHECK_ERRNO(setgid(0), -1, EPERM);
	CHECK_EQ(setgid(300), 0);
	CHECK_RESG(100, 300, 300);
	CHECK_ERRNO(setresgid(-1, 5, -1), -1, EPERM);
	CHECK_EQ(setresgid(300, 100, -1), 0);
	CHECK_RESG(300, 100, 300);
	CHECK_ERRNO(setregid(7, -1), -1, EPERM);
	CHECK_EQ(setfsgid(-1), 100);
	CHECK_EQ(setfsgid(9), 100);
	CHECK_EQ(setfsgid(-1), 100);
	/* setgroups: EPERM, even to what it already is. */
	gid_t cur[8];
	int n = getgroups(8, cur);
	CHECK_EQ(n, 1);
	CHECK_EQ(cur[0], 42);
	CHECK_ERRNO(setgroups(0, NULL), -1, EPERM);
	CHECK_ERRNO(setgroups(n, cur), -1, EPERM);
}

int main(void)
{
	if (getuid() != 0) {
		/* As an ordinary user: the plain refusals only. */
		CHECK_ERRNO(setuid(0), -1, EPERM);
		CHECK_ERRNO(setgroups(0, NULL), -1, EPERM);
		return test_done();
	}
	pid_t pid = test_fork();
	if (pid == 0) {
		gid_t g = 42;
		ASSERT_EQ(setgroups(1, &g), 0);
		ASSERT_EQ(setresgid(100, 200, 300), 0);
		ASSERT_EQ(setresuid(1000, 2000, 3000), 0);
		unprivileged_checks();
		child_exit();
	}
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	return test_done();
}
