//go:build ignore

/*
 * fs_mount_rbind: mount(MS_BIND) binds one mount; with MS_REC the mounts
 * under the source come along, as copies that unmount on their own.
 */
#include "testutil.h"
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>

static char a[128], b[128], c[128], p[256];

static const char *at(const char *dir, const char *name)
{
	snprintf(p, sizeof p, "%s/%s", dir, name);
	return p;
}

static dev_t dev_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? st.st_dev : (dev_t)-1;
}

int main(void)
{
	setup_dir();
	ASSERT_OK(unshare(CLONE_NEWNS));
	ASSERT_OK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	snprintf(a, sizeof a, "%s/a", tdir);
	snprintf(b, sizeof b, "%s/b", tdir);
	snprintf(c, sizeof c, "%s/c", tdir);
	ASSERT_OK(mkdir(a, 0755));
	ASSERT_OK(mkdir(b, 0755));
	ASSERT_OK(mkdir(c, 0755));
	ASSERT_OK(mount("a", a, "tmpfs", 0, NULL));
	ASSERT_OK(mkdir(at(a, "x"), 0755));
	ASSERT_OK(mount("x", at(a, "x"), "tmpfs", 0, NULL));
	ASSERT_OK(mkdir(at(a, "x/y"), 0755));
	ASSERT_OK(mount("y", at(a, "x/y"), "tmpfs", 0, NULL));
	ASSERT_OK(close(open(at(a, "x/y/f"), O_CREAT | O_WRONLY, 0600)));
	dev_t ax = dev_of(at(a, "x")), ay = dev_of(at(a, "x/y"));

	/* Plain bind: the directory under the submount shows. */
	CHECK_OK(mount(a, b, NULL, MS_BIND, NULL));
	CHECK(dev_of(at(b, "x")) == dev_of(b));
	struct stat st;
	CHECK_ERRNO(stat(at(b, "x/y"), &st), -1, ENOENT);

	/* Recursive: both levels come along. */
	CHECK_OK(mount(a, c, NULL, MS_BIND | MS_REC, NULL));
	CHECK_EQ(dev_of(at(c, "x")), ax);
	CHECK_EQ(dev_of(at(c, "x/y")), ay);
	CHECK_OK(stat(at(c, "x/y/f"), &st));
	/* The copies are mounts of their own. */
	CHECK_OK(umount(at(c, "x/y")));
	CHECK_EQ(dev_of(at(c, "x/y")), ax);
	CHECK_EQ(dev_of(at(a, "x/y")), ay);
	CHECK_ERRNO(umount(c), -1, EBUSY);
	CHECK_OK(umount2(c, MNT_DETACH));
	CHECK_EQ(dev_of(at(a, "x")), ax);

	CHECK_OK(umount(b));
	CHECK_OK(umount(at(a, "x/y")));
	CHECK_OK(umount(at(a, "x")));
	CHECK_OK(umount(a));
	cleanup_dir();
	return test_done();
}
