//go:build ignore

/* statx beyond stat: the birth time on tmpfs (set at creation, never changed by writes or chmod), STATX_MNT_ID matching /proc/self/fdinfo's mnt_id, and stx_mask reporting what was filled. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sched.h>
#include <sys/mount.h>

static long sys_statx(int dfd, const char *p, int flags, unsigned mask, struct statx *x)
{
	return syscall(SYS_statx, dfd, p, flags, mask, x);
}

int main(void)
{
	struct statx x, y;
	struct timespec before;
	int fd;
	setup_dir();
	ASSERT_OK(unshare(CLONE_NEWNS));
	ASSERT_OK(mount("", "/", NULL, MS_REC | MS_PRIVATE, NULL));
	ASSERT_OK(mount("none", tdir, "tmpfs", 0, NULL));
	ASSERT_OK(chdir(tdir));
	clock_gettime(CLOCK_REALTIME, &before);
	ASSERT_OK(fd = open("f", O_CREAT | O_RDWR, 0644));
	CHECK_OK(sys_statx(AT_FDCWD, "f", 0, STATX_BASIC_STATS | STATX_BTIME, &x));
	CHECK_EQ(x.stx_mask & STATX_BASIC_STATS, STATX_BASIC_STATS);
	CHECK_EQ(x.stx_mask & STATX_BTIME, STATX_BTIME);
	CHECK_GE(x.stx_btime.tv_sec, before.tv_sec - 1);
	CHECK_LE(x.stx_btime.tv_sec, before.tv_sec + 5);
	/* The birth time is the first change time. */
	CHECK_EQ(x.stx_btime.tv_sec, x.stx_ctime.tv_sec);
	CHECK_EQ(x.stx_btime.tv_nsec, x.stx_ctime.tv_nsec);
	usleep(20000);
	CHECK_EQ(write(fd, "abc", 3), 3);
	CHECK_OK(fchmod(fd, 0600));
	struct timespec ts[2] = {{.tv_sec = 1, .tv_nsec = 0}, {.tv_sec = 2, .tv_nsec = 0}};
	CHECK_OK(futimens(fd, ts));
	CHECK_OK(sys_statx(fd, "", AT_EMPTY_PATH, STATX_BTIME | STATX_MTIME, &y));
	CHECK_EQ(y.stx_btime.tv_sec, x.stx_btime.tv_sec);
	CHECK_EQ(y.stx_btime.tv_nsec, x.stx_btime.tv_nsec);
	CHECK_EQ(y.stx_mtime.tv_sec, 2);
	/* Directories and symlinks have one too. */
	ASSERT_OK(mkdir("d", 0755));
	CHECK_OK(sys_statx(AT_FDCWD, "d", 0, STATX_BTIME, &y));
	CHECK_EQ(y.stx_mask & STATX_BTIME, STATX_BTIME);
	/* STATX_MNT_ID is the ID fdinfo and mountinfo use. */
	CHECK_OK(sys_statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &y));
	CHECK_EQ(y.stx_mask & STATX_MNT_ID, STATX_MNT_ID);
	char path[64], buf[256];
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	int info;
	ASSERT_OK(info = open(path, O_RDONLY));
	int n = read(info, buf, sizeof(buf) - 1);
	close(info);
	ASSERT_GT(n, 0);
	buf[n] = 0;
	char *m = strstr(buf, "mnt_id:\t");
	ASSERT_NE(m, NULL);
	CHECK_EQ((unsigned long long)atoll(m + 8), y.stx_mnt_id);
	/* A different mount has a different ID. */
	struct statx z;
	CHECK_OK(sys_statx(AT_FDCWD, "/proc/self", 0, STATX_MNT_ID, &z));
	CHECK_NE(z.stx_mnt_id, y.stx_mnt_id);
	close(fd);
	ASSERT_OK(chdir("/"));
	ASSERT_OK(umount(tdir));
	cleanup_dir();
	return test_done();
}
