//go:build ignore

/*
 * fs_mount_move: mount(MS_MOVE) moves a mount, with the mounts on it, to
 * another place; the old place shows what was under it again. The source
 * must be a mount's root (EINVAL), the root mount cannot move (EINVAL),
 * and a mount cannot move under itself (ELOOP).
 */
#include "testutil.h"
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>

static char a[128], b[128], p[256];

static const char *at(const char *dir, const char *name)
{
	snprintf(p, sizeof p, "%s/%s", dir, name);
	return p;
}

/* Reports whether mountinfo has a mount at path. */
static int mounted(const char *path)
{
	char buf[16384], want[300];
	int fd = open("/proc/self/mountinfo", O_RDONLY);
	if (fd < 0)
		return -1;
	int n = 0, r;
	while (n < (int)sizeof buf - 1 && (r = read(fd, buf + n, sizeof buf - 1 - n)) > 0)
		n += r;
	close(fd);
	buf[n] = 0;
	snprintf(want, sizeof want, " %s ", path);
	return strstr(buf, want) != NULL;
}

int main(void)
{
	setup_dir();
	ASSERT_OK(unshare(CLONE_NEWNS));
	ASSERT_OK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	snprintf(a, sizeof a, "%s/a", tdir);
	snprintf(b, sizeof b, "%s/b", tdir);
	ASSERT_OK(mkdir(a, 0755));
	ASSERT_OK(mkdir(b, 0755));
	ASSERT_OK(close(open(at(a, "under-a"), O_CREAT | O_WRONLY, 0644)));

	ASSERT_OK(mount("t", a, "tmpfs", 0, NULL));
	ASSERT_OK(close(open(at(a, "f"), O_CREAT | O_WRONLY, 0644)));
	ASSERT_OK(mkdir(at(a, "sub"), 0755));
	ASSERT_OK(mount("s", at(a, "sub"), "tmpfs", 0, NULL));
	ASSERT_OK(close(open(at(a, "sub/g"), O_CREAT | O_WRONLY, 0644)));
	struct stat top, sub;
	ASSERT_OK(stat(a, &top));
	ASSERT_OK(stat(at(a, "sub"), &sub));

	/* Errors first: nothing moves. */
	CHECK_ERRNO(mount(at(a, "sub/g"), b, NULL, MS_MOVE, NULL), -1, EINVAL);
	CHECK_ERRNO(mount(tdir, b, NULL, MS_MOVE, NULL), -1, EINVAL);
	CHECK_ERRNO(mount(a, at(a, "sub"), NULL, MS_MOVE, NULL), -1, ELOOP);
	CHECK_ERRNO(mount(a, at(tdir, "missing"), NULL, MS_MOVE, NULL), -1, ENOENT);
	CHECK_EQ(mounted(a), 1);

	/* The move: a's mount and the one on it go to b. */
	CHECK_OK(mount(a, b, NULL, MS_MOVE, NULL));
	struct stat st;
	CHECK_OK(stat(at(b, "f"), &st));
	CHECK_OK(stat(b, &st));
	CHECK_EQ(st.st_dev, top.st_dev);
	CHECK_EQ(st.st_ino, top.st_ino);
	CHECK_OK(stat(at(b, "sub/g"), &st));
	CHECK_OK(stat(at(b, "sub"), &st));
	CHECK_EQ(st.st_dev, sub.st_dev);
	/* a shows the directory that was under the mount. */
	CHECK_OK(stat(at(a, "under-a"), &st));
	CHECK_ERRNO(stat(at(a, "f"), &st), -1, ENOENT);
	CHECK_EQ(mounted(a), 0);
	CHECK_EQ(mounted(b), 1);
	snprintf(p, sizeof p, "%s/sub", b);
	CHECK_EQ(mounted(p), 1);

	/* Unmounting at the new place works, the submount first. */
	CHECK_ERRNO(umount(b), -1, EBUSY);
	CHECK_OK(umount(at(b, "sub")));
	CHECK_OK(umount(b));
	CHECK_ERRNO(stat(at(b, "f"), &st), -1, ENOENT);
	CHECK_OK(unlink(at(a, "under-a")));
	cleanup_dir();
	return test_done();
}
