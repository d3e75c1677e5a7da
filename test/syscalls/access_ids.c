//go:build ignore

/* access checks the real IDs, faccessat(AT_EACCESS) the effective ones;
 * permission bits by owner, group and other. */
#include "testutil.h"
#include <grp.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	int fd;
	setup_dir();
	ASSERT_OK(chmod(tdir, 0755));
	ASSERT_OK(fd = open("owner", O_CREAT | O_WRONLY, 0600));
	close(fd);
	ASSERT_OK(chown("owner", 65534, 0));
	ASSERT_OK(fd = open("group", O_CREAT | O_WRONLY, 0060));
	close(fd);
	ASSERT_OK(chown("group", 0, 100));
	ASSERT_OK(chmod("group", 0060));
	ASSERT_OK(fd = open("other", O_CREAT | O_WRONLY, 0005));
	close(fd);
	ASSERT_OK(chmod("other", 0005));
	ASSERT_OK(mkdir("noexec", 0700));

	pid_t pid = test_fork();
	if (pid == 0) {
		gid_t g = 100;
		if (setgroups(1, &g) || setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			FATAL("set ids: errno %d", errno);
		CHECK_EQ(access("owner", R_OK | W_OK), 0);
		CHECK_ERRNO(access("owner", X_OK), -1, EACCES);
		/* The group bits apply through a supplementary group. */
		CHECK_EQ(access("group", R_OK | W_OK), 0);
		CHECK_ERRNO(access("group", X_OK), -1, EACCES);
		/* Only "other" bits for a stranger; owner bits do not add. */
		CHECK_EQ(access("other", R_OK | X_OK), 0);
		CHECK_ERRNO(access("other", W_OK), -1, EACCES);
		/* Search permission on the path. */
		CHECK_ERRNO(access("noexec/x", F_OK), -1, EACCES);
		int f = open("owner", O_RDWR | O_TRUNC);
		CHECK_GE(f, 0);
		close(f);
		child_exit();
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);

	/* Real root, effective 65534: access() uses the real IDs. */
	pid = test_fork();
	if (pid == 0) {
		if (setresuid(0, 65533, 0))
			FATAL("setresuid: errno %d", errno);
		CHECK_EQ(access("group", R_OK), 0);
		CHECK_ERRNO(faccessat(AT_FDCWD, "group", R_OK, AT_EACCESS), -1, EACCES);
		CHECK_ERRNO(open("group", O_RDONLY), -1, EACCES);
		child_exit();
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);

	cleanup_dir();
	return test_done();
}
