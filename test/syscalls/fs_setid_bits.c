//go:build ignore

/* Set-ID bits on files: chown clears S_ISUID and S_ISGID (with group execute) even for root, chmod by a non-member of the group drops S_ISGID, and a directory keeps them. */
#include "testutil.h"
#include <fcntl.h>
#include <grp.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	struct stat st;
	int fd;
	setup_dir();
	ASSERT_OK(chmod(tdir, 0777));
	ASSERT_OK(fd = open("f", O_CREAT | O_WRONLY, 0644));
	close(fd);
	/* Root's chown clears both bits of an executable. */
	ASSERT_OK(chmod("f", 06755));
	CHECK_OK(chown("f", 0, 0));
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_mode & 07777, 0755);
	/* S_ISGID without group execute (mandatory locking mark) stays. */
	ASSERT_OK(chmod("f", 06745));
	CHECK_OK(chown("f", -1, 0));
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_mode & 07777, 02745);
	/* chown with no change (-1, -1) still clears them. */
	ASSERT_OK(chmod("f", 04755));
	CHECK_OK(chown("f", -1, -1));
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_mode & 07777, 04755 & ~04000);
	/* Directories keep their set-ID bits across chown. */
	ASSERT_OK(mkdir("d", 0755));
	ASSERT_OK(chmod("d", 02755));
	CHECK_OK(chown("d", 65534, -1));
	CHECK_OK(stat("d", &st));
	CHECK_EQ(st.st_mode & 07777, 02755);
	/* An owner outside the file's group cannot set S_ISGID: chmod
	 * succeeds with the bit dropped. */
	ASSERT_OK(chown("f", 65534, 0));
	pid_t pid = test_fork();
	if (pid == 0) {
		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			FATAL("drop");
		CHECK_OK(chmod("f", 02755));
		CHECK_OK(stat("f", &st));
		CHECK_EQ(st.st_mode & 07777, 0755);
		/* S_ISUID is the owner's to set. */
		CHECK_OK(chmod("f", 04755));
		CHECK_OK(stat("f", &st));
		CHECK_EQ(st.st_mode & 07777, 04755);
		/* Sticky on a file is allowed and kept. */
		CHECK_OK(chmod("f", 01644));
		CHECK_OK(stat("f", &st));
		CHECK_EQ(st.st_mode & 07777, 01644);
		/* An owner's chown to its own ids clears S_ISUID too. */
		CHECK_OK(chmod("f", 04755));
		CHECK_OK(chown("f", 65534, -1));
		CHECK_OK(stat("f", &st));
		CHECK_EQ(st.st_mode & 07777, 0755);
		child_exit();
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	cleanup_dir();
	return test_done();
}
