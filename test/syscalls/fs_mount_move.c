//go:build ignore

/*
 * fs_mount_move: mount(MS_MOVE) moves a mount, with the mounts on it, to
 * another place; the old place shows what was under it again. The source
 * must be a mount's root (EINVAL), the root mount cannot move (EINVAL),
 * and a mount cannot move under itself (ELOOP).
 */
#include "mountutil.h"

static char a[128], b[128];

/* mounted reports whether mountinfo has a mount at path. */
static int mounted(const char *path)
{
	char line[1024];
	return mountinfo_line(path, line, sizeof line);
}

int main(void)
{
	setup_dir();
	enter_private_mount_ns();
	mkdir_in(a, sizeof a, "a");
	mkdir_in(b, sizeof b, "b");
	ASSERT_OK(close(open(path_in(a, "under-a"), O_CREAT | O_WRONLY, 0644)));

	ASSERT_OK(mount("t", a, "tmpfs", 0, NULL));
	ASSERT_OK(close(open(path_in(a, "f"), O_CREAT | O_WRONLY, 0644)));
	ASSERT_OK(mkdir(path_in(a, "sub"), 0755));
	ASSERT_OK(mount("s", path_in(a, "sub"), "tmpfs", 0, NULL));
	ASSERT_OK(close(open(path_in(a, "sub/g"), O_CREAT | O_WRONLY, 0644)));
	struct stat top, sub;
	ASSERT_OK(stat(a, &top));
	ASSERT_OK(stat(path_in(a, "sub"), &sub));

	/* Errors first: nothing moves. */
	CHECK_ERRNO(mount(path_in(a, "sub/g"), b, NULL, MS_MOVE, NULL), -1, EINVAL);
	CHECK_ERRNO(mount(tdir, b, NULL, MS_MOVE, NULL), -1, EINVAL);
	CHECK_ERRNO(mount(a, path_in(a, "sub"), NULL, MS_MOVE, NULL), -1, ELOOP);
	CHECK_ERRNO(mount(a, path_in(tdir, "missing"), NULL, MS_MOVE, NULL), -1, ENOENT);
	CHECK_EQ(mounted(a), 1);

	/* The move: a's mount and the one on it go to b. */
	CHECK_OK(mount(a, b, NULL, MS_MOVE, NULL));
	struct stat st;
	CHECK_OK(stat(path_in(b, "f"), &st));
	CHECK_OK(stat(b, &st));
	CHECK_EQ(st.st_dev, top.st_dev);
	CHECK_EQ(st.st_ino, top.st_ino);
	CHECK_OK(stat(path_in(b, "sub/g"), &st));
	CHECK_OK(stat(path_in(b, "sub"), &st));
	CHECK_EQ(st.st_dev, sub.st_dev);
	/* a shows the directory that was under the mount. */
	CHECK_OK(stat(path_in(a, "under-a"), &st));
	CHECK_ERRNO(stat(path_in(a, "f"), &st), -1, ENOENT);
	CHECK_EQ(mounted(a), 0);
	CHECK_EQ(mounted(b), 1);
	CHECK_EQ(mounted(path_in(b, "sub")), 1);

	/* Unmounting at the new place works, the submount first. */
	CHECK_ERRNO(umount(b), -1, EBUSY);
	CHECK_OK(umount(path_in(b, "sub")));
	CHECK_OK(umount(b));
	CHECK_ERRNO(stat(path_in(b, "f"), &st), -1, ENOENT);
	CHECK_OK(unlink(path_in(a, "under-a")));
	cleanup_dir();
	return test_done();
}
