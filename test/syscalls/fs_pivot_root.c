//go:build ignore

/*
 * fs_pivot_root: pivot_root(2) makes a mount the root and puts the old
 * root under it; the caller's root and working directory follow. Both
 * the classic form (put_old a directory under new_root) and runc's
 * pivot_root(".", ".") with the old root stacked on the new one and
 * detached after. Errors: not a mount point or put_old outside new_root
 * (EINVAL), new_root the current root (EBUSY), not a directory (ENOTDIR).
 */
#include "mountutil.h"
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static int pivot_root(const char *new_root, const char *put_old)
{
	return syscall(SYS_pivot_root, new_root, put_old);
}

/* in_child runs fn in a child with a private mount namespace. */
static void in_child(void (*fn)(void))
{
	pid_t pid = test_fork();
	if (pid == 0) {
		enter_private_mount_ns();
		fn();
		child_exit();
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
}

static char root[128];

static void classic(void)
{
	ASSERT_OK(mount("r", root, "tmpfs", 0, NULL));
	char p[256];
	snprintf(p, sizeof p, "%s/old", root);
	ASSERT_OK(mkdir(p, 0755));
	snprintf(p, sizeof p, "%s/marker", root);
	ASSERT_OK(close(open(p, O_CREAT | O_WRONLY, 0600)));
	snprintf(p, sizeof p, "%s/old", root);

	/* Errors first. */
	CHECK_ERRNO(pivot_root("/", p), -1, EBUSY);
	char notmount[256];
	snprintf(notmount, sizeof notmount, "%s/old", root);
	CHECK_ERRNO(pivot_root(notmount, notmount), -1, EINVAL);
	/* put_old on a mount outside new_root. */
	char other[256];
	snprintf(other, sizeof other, "%s/other", tdir);
	ASSERT_OK(mount("o", other, "tmpfs", 0, NULL));
	CHECK_ERRNO(pivot_root(root, other), -1, EINVAL);
	char file[256];
	snprintf(file, sizeof file, "%s/marker", root);
	CHECK_ERRNO(pivot_root(file, p), -1, ENOTDIR);

	ASSERT_OK(chdir(root));
	CHECK_OK(pivot_root(".", "old"));
	struct stat st;
	CHECK_OK(stat("/marker", &st));
	/* The old root is under /old: this test's own binary is there. */
	char self[512];
	ssize_t n = readlink("/old/proc/self/exe", self, sizeof self - 1);
	CHECK(n > 0);
	char cwd[256];
	CHECK(getcwd(cwd, sizeof cwd) != NULL);
	CHECK_STREQ(cwd, "/");
	CHECK_OK(umount2("/old", MNT_DETACH));
	CHECK_ERRNO(stat("/old/proc", &st), -1, ENOENT);
}

static void dot_dot(void)
{
	ASSERT_OK(mount("r", root, "tmpfs", 0, NULL));
	char p[256];
	snprintf(p, sizeof p, "%s/marker", root);
	ASSERT_OK(close(open(p, O_CREAT | O_WRONLY, 0600)));
	ASSERT_OK(chdir(root));
	/* runc's way: the old root is stacked on the new one, then goes. */
	CHECK_OK(pivot_root(".", "."));
	CHECK_OK(umount2(".", MNT_DETACH));
	struct stat st;
	CHECK_OK(stat("/marker", &st));
	CHECK_OK(stat("marker", &st));
	CHECK_ERRNO(stat("/proc/self", &st), -1, ENOENT);
}

int main(void)
{
	setup_dir();
	snprintf(root, sizeof root, "%s/root", tdir);
	ASSERT_OK(mkdir(root, 0755));
	char other[256];
	snprintf(other, sizeof other, "%s/other", tdir);
	ASSERT_OK(mkdir(other, 0755));
	in_child(classic);
	in_child(dot_dot);
	CHECK_OK(rmdir(root));
	CHECK_OK(rmdir(other));
	cleanup_dir();
	return test_done();
}
