//go:build ignore

/* chown, fchown, lchown, fchownat: owners, set-ID bits, permission. */
#include "testutil.h"
#include <grp.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	struct stat st;
	int fd;
	setup_dir();
	ASSERT_OK(chmod(tdir, 0777));
	ASSERT_OK(fd = open("f", O_CREAT | O_RDWR, 0644));

	CHECK_EQ(chown("f", 1000, 2000), 0);
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_uid, 1000);
	CHECK_EQ(st.st_gid, 2000);
	/* -1 leaves a field alone. */
	CHECK_EQ(fchown(fd, -1, 3000), 0);
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_uid, 1000);
	CHECK_EQ(st.st_gid, 3000);
	CHECK_EQ(fchownat(AT_FDCWD, "f", 4000, -1, 0), 0);
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_uid, 4000);
	CHECK_EQ(st.st_gid, 3000);

	/* A change of owner clears set-user-ID, and set-group-ID when the
	 * group may execute. */
	CHECK_EQ(chmod("f", 06755), 0);
	CHECK_EQ(chown("f", 0, 0), 0);
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_mode & 07777, 0755);
	CHECK_EQ(chmod("f", 06745), 0);
	CHECK_EQ(chown("f", -1, -1), 0);
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_mode & 07777, 02745);
	/* Directories keep theirs. */
	ASSERT_OK(mkdir("d", 0755));
	CHECK_EQ(chmod("d", 02775), 0);
	CHECK_EQ(chown("d", 5, 5), 0);
	CHECK_OK(stat("d", &st));
	CHECK_EQ(st.st_mode & 07777, 02775);

	/* lchown and AT_SYMLINK_NOFOLLOW change the link itself. */
	ASSERT_OK(symlink("f", "l"));
	CHECK_EQ(lchown("l", 7, 8), 0);
	CHECK_OK(lstat("l", &st));
	CHECK_EQ(st.st_uid, 7);
	CHECK_EQ(st.st_gid, 8);
	CHECK_OK(stat("l", &st));
	CHECK_EQ(st.st_uid, 0);
	CHECK_EQ(fchownat(AT_FDCWD, "l", 9, 9, AT_SYMLINK_NOFOLLOW), 0);
	CHECK_OK(lstat("l", &st));
	CHECK_EQ(st.st_uid, 9);
	/* AT_EMPTY_PATH. */
	CHECK_EQ(fchownat(fd, "", 11, 12, AT_EMPTY_PATH), 0);
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_uid, 11);
	CHECK_EQ(st.st_gid, 12);

	/* Errors. */
	CHECK_ERRNO(chown("nope", 0, 0), -1, ENOENT);
	CHECK_ERRNO(fchown(999, 0, 0), -1, EBADF);
	CHECK_ERRNO(fchownat(AT_FDCWD, "f", 0, 0, 0x1), -1, EINVAL);

	/* Without CAP_CHOWN: the owner may change the group to one of its
	 * own, nothing else. */
	CHECK_EQ(chown("f", 65534, 65534), 0);
	pid_t pid = test_fork();
	if (pid == 0) {
		gid_t groups[2] = {65534, 100};
		if (setgroups(2, groups) || setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			FATAL("set ids: errno %d", errno);
		CHECK_EQ(chown("f", -1, 100), 0);
		CHECK_EQ(chown("f", 65534, -1), 0);
		CHECK_ERRNO(chown("f", 0, -1), -1, EPERM);
		CHECK_ERRNO(chown("f", -1, 0), -1, EPERM);
		CHECK_ERRNO(chown("d", -1, 100), -1, EPERM);
		child_exit();
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_gid, 100);

	close(fd);
	cleanup_dir();
	return test_done();
}
