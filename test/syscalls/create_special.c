//go:build ignore

/* Creating and removing names in /proc and /sys fails as Linux makes it
 * fail. (Nothing is written: every call here is refused.) */
#include "testutil.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

int main(void)
{
	/* /proc makes up its entries: a new name is not found. */
	CHECK_ERRNO(open("/proc/moat-new", O_CREAT | O_WRONLY, 0644), -1, ENOENT);
	CHECK_ERRNO(mkdir("/proc/moat-new", 0755), -1, ENOENT);
	CHECK_ERRNO(mknod("/proc/moat-new", S_IFIFO | 0644, 0), -1, ENOENT);
	CHECK_ERRNO(symlink("x", "/proc/moat-new"), -1, ENOENT);
	CHECK_ERRNO(rename("/proc/version", "/proc/moat-new"), -1, ENOENT);
	CHECK_ERRNO(unlink("/proc/version"), -1, EPERM);
	CHECK_ERRNO(rmdir("/proc/self"), -1, ENOTDIR);
	CHECK_ERRNO(rmdir("/proc/sys"), -1, EPERM);
	/* O_CREAT on an existing /proc file is an open. */
	int fd;
	ASSERT_OK(fd = open("/proc/version", O_CREAT | O_RDONLY, 0644));
	close(fd);
	/* /sys: EACCES for open(O_CREAT), EPERM for the others; a
	 * read-only /sys (as containers mount it, and `runsc do`'s spec
	 * asks) answers EROFS first. */
	struct statvfs sv;
	ASSERT_OK(statvfs("/sys", &sv));
	int ro = (sv.f_flag & ST_RDONLY) != 0;
	CHECK_ERRNO(open("/sys/moat-new", O_CREAT | O_WRONLY, 0644), -1, ro ? EROFS : EACCES);
	CHECK_ERRNO(mkdir("/sys/moat-new", 0755), -1, ro ? EROFS : EPERM);
	/* Renames across mounts: EXDEV; link checks the target mount's
	 * writability first. */
	CHECK_ERRNO(rename("/proc/version", "/sys/moat-new"), -1, EXDEV);
	CHECK_ERRNO(link("/proc/version", "/sys/moat-new"), -1, ro ? EROFS : EXDEV);
	return test_done();
}
