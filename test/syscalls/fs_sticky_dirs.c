//go:build ignore

/* Sticky directories and subdirectories: another user's directory cannot
 * be removed, renamed away or replaced; files may still be made inside
 * it; the sticky directory's owner and CAP_FOWNER may remove others'
 * entries. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	struct stat st;
	setup_dir();
	umask(0);
	ASSERT_OK(chmod(tdir, 0755));
	ASSERT_OK(mkdir("s", 01777));
	ASSERT_OK(mkdir("s/rootdir", 0777));
	ASSERT_OK(mkdir("s/rootdir2", 0777));
	ASSERT_OK(mkdir("s/userdir", 0777));
	ASSERT_OK(chown("s/userdir", 65534, 65534));
	ASSERT_OK(mkdir("owned", 01777));
	ASSERT_OK(chown("owned", 65534, 65534));
	ASSERT_OK(mkdir("owned/rootsub", 0777));
	pid_t pid = test_fork();
	if (pid == 0) {
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			FATAL("drop");
		/* Someone else's (empty) directory: not removable or movable. */
		CHECK_ERRNO(rmdir("s/rootdir"), -1, EPERM);
		CHECK_ERRNO(rename("s/rootdir", "s/moved"), -1, EPERM);
		CHECK_ERRNO(unlinkat(AT_FDCWD, "s/rootdir", AT_REMOVEDIR), -1, EPERM);
		/* Nor may one's own directory replace it. */
		CHECK_ERRNO(rename("s/userdir", "s/rootdir"), -1, EPERM);
		/* Inside someone else's world-writable directory, files can be
		 * made (the sticky bit guards only removal). */
		int fd;
		ASSERT_OK(fd = open("s/rootdir/mine", O_CREAT | O_WRONLY, 0644));
		close(fd);
		CHECK_OK(unlink("s/rootdir/mine"));
		/* One's own directory moves freely. */
		CHECK_OK(rename("s/userdir", "s/userdir2"));
		CHECK_OK(rename("s/userdir2", "s/userdir"));
		/* The directory's owner may remove others' entries. */
		CHECK_OK(rmdir("owned/rootsub"));
		child_exit();
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	CHECK_OK(stat("s/rootdir", &st));
	CHECK_ERRNO(stat("owned/rootsub", &st), -1, ENOENT);
	/* Root (CAP_FOWNER) may remove the user's directory. */
	CHECK_OK(rmdir("s/userdir"));
	/* Without CAP_FOWNER root is an ordinary user here: drop it. */
	pid = test_fork();
	if (pid == 0) {
		if (setresuid(1000, 1000, 1000))
			FATAL("drop");
		CHECK_ERRNO(rename("s/rootdir2", "s/x"), -1, EPERM);
		child_exit();
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	/* The sticky bit shows in stat and survives chmod by the owner. */
	CHECK_OK(stat("s", &st));
	CHECK_EQ(st.st_mode & 07777, 01777);
	cleanup_dir();
	return test_done();
}
