//go:build ignore

/*
 * fs_mount_rbind: mount(MS_BIND) binds one mount; with MS_REC the mounts
 * under the source come along, as copies that unmount on their own.
 */
#include "mountutil.h"

static char a[128], b[128], c[128];

int main(void)
{
	setup_abc(a, b, c, sizeof a);
	ASSERT_OK(mount("x", path_in(a, "x"), "tmpfs", 0, NULL));
	ASSERT_OK(mkdir(path_in(a, "x/y"), 0755));
	ASSERT_OK(mount("y", path_in(a, "x/y"), "tmpfs", 0, NULL));
	ASSERT_OK(close(open(path_in(a, "x/y/f"), O_CREAT | O_WRONLY, 0600)));
	dev_t ax = dev_of(path_in(a, "x")), ay = dev_of(path_in(a, "x/y"));

	/* Plain bind: the directory under the submount shows. */
	CHECK_OK(mount(a, b, NULL, MS_BIND, NULL));
	CHECK(dev_of(path_in(b, "x")) == dev_of(b));
	struct stat st;
	CHECK_ERRNO(stat(path_in(b, "x/y"), &st), -1, ENOENT);

	/* Recursive: both levels come along. */
	CHECK_OK(mount(a, c, NULL, MS_BIND | MS_REC, NULL));
	CHECK_EQ(dev_of(path_in(c, "x")), ax);
	CHECK_EQ(dev_of(path_in(c, "x/y")), ay);
	CHECK_OK(stat(path_in(c, "x/y/f"), &st));
	/* The copies are mounts of their own. */
	CHECK_OK(umount(path_in(c, "x/y")));
	CHECK_EQ(dev_of(path_in(c, "x/y")), ax);
	CHECK_EQ(dev_of(path_in(a, "x/y")), ay);
	CHECK_ERRNO(umount(c), -1, EBUSY);
	CHECK_OK(umount2(c, MNT_DETACH));
	CHECK_EQ(dev_of(path_in(a, "x")), ax);

	CHECK_OK(umount(b));
	CHECK_OK(umount(path_in(a, "x/y")));
	CHECK_OK(umount(path_in(a, "x")));
	CHECK_OK(umount(a));
	cleanup_dir();
	return test_done();
}
