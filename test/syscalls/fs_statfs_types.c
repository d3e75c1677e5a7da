//go:build ignore

/* statfs f_type of the filesystems a program meets: tmpfs, proc, sysfs, devpts, and the pseudo filesystems behind pipes, sockets and anonymous inodes. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/vfs.h>
#include <linux/magic.h>

int main(void)
{
	struct statfs sf;
	setup_dir();
	ASSERT_OK(unshare(CLONE_NEWNS));
	ASSERT_OK(mount("", "/", NULL, MS_REC | MS_PRIVATE, NULL));
	ASSERT_OK(mount("none", tdir, "tmpfs", 0, "size=2m,nr_inodes=100"));
	CHECK_OK(statfs(tdir, &sf));
	CHECK_EQ(sf.f_type, TMPFS_MAGIC);
	CHECK_EQ(sf.f_bsize, 4096);
	CHECK_EQ(sf.f_blocks, 512);
	CHECK_EQ(sf.f_files, 100);
	CHECK_EQ(sf.f_namelen, 255);
	CHECK_OK(statfs("/proc", &sf));
	CHECK_EQ(sf.f_type, PROC_SUPER_MAGIC);
	CHECK_OK(statfs("/proc/self/status", &sf));
	CHECK_EQ(sf.f_type, PROC_SUPER_MAGIC);
	CHECK_OK(statfs("/sys", &sf));
	CHECK_EQ(sf.f_type, SYSFS_MAGIC);
	CHECK_OK(statfs("/dev/pts", &sf));
	CHECK_EQ(sf.f_type, DEVPTS_SUPER_MAGIC);
	int p[2];
	ASSERT_OK(pipe(p));
	CHECK_OK(fstatfs(p[0], &sf));
	CHECK_EQ(sf.f_type, PIPEFS_MAGIC);
	int sv[2];
	ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_OK(fstatfs(sv[0], &sf));
	CHECK_EQ(sf.f_type, SOCKFS_MAGIC);
	int efd;
	ASSERT_OK(efd = eventfd(0, 0));
	CHECK_OK(fstatfs(efd, &sf));
	CHECK_EQ(sf.f_type, ANON_INODE_FS_MAGIC);
	/* Errors. */
	CHECK_ERRNO(statfs("/nonexistent-moat", &sf), -1, ENOENT);
	CHECK_ERRNO(fstatfs(999, &sf), -1, EBADF);
	CHECK_ERRNO(statfs("/proc/self/status/x", &sf), -1, ENOTDIR);
	ASSERT_OK(umount(tdir));
	cleanup_dir();
	return test_done();
}
