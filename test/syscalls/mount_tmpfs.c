//go:build ignore

/* mount(2) and umount2(2): tmpfs with options, bind mounts, remounts.
 * Natively the test runs in its own mount namespace. */
#include "testutil.h"
#include <sched.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <linux/magic.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	struct stat st;
	struct statfs sf;
	int fd;
	if (unshare(CLONE_NEWNS) == 0)
		ASSERT_OK(mount("", "/", NULL, MS_REC | MS_PRIVATE, NULL));
	else
		CHECK_EQ(errno, ENOSYS); /* the sandbox has one namespace */
	setup_dir();
	ASSERT_OK(mkdir("m", 0755));
	ASSERT_OK(fd = open("m/under", O_CREAT | O_WRONLY, 0644));
	close(fd);

	CHECK_EQ(mount("none", "m", "tmpfs", 0, "size=1m,mode=0700"), 0);
	CHECK_OK(statfs("m", &sf));
	CHECK_EQ(sf.f_type, TMPFS_MAGIC);
	CHECK_EQ(sf.f_blocks, 256);
	CHECK_OK(stat("m", &st));
	CHECK_EQ(st.st_mode, S_IFDIR | 0700);
	/* The mount hides what was under it. */
	CHECK_ERRNO(stat("m/under", &st), -1, ENOENT);
	ASSERT_OK(fd = open("m/f", O_CREAT | O_WRONLY, 0644));
	/* Writing past the size fails with ENOSPC. */
	static char buf[1 << 16];
	long total = 0;
	ssize_t n;
	while ((n = write(fd, buf, sizeof(buf))) > 0)
		total += n;
	CHECK_EQ(n, -1);
	CHECK_EQ(errno, ENOSPC);
	CHECK_LE(total, 1 << 20);
	CHECK_GE(total, (1 << 20) - (1 << 16));
	close(fd);
	/* Renames and links do not cross mounts. */
	CHECK_ERRNO(rename("m/f", "f"), -1, EXDEV);
	CHECK_ERRNO(link("m/f", "f"), -1, EXDEV);

	/* A mount on the mount: umount of the lower one is EBUSY. */
	ASSERT_OK(mkdir("m/sub", 0755));
	CHECK_EQ(mount("none", "m/sub", "tmpfs", 0, NULL), 0);
	CHECK_ERRNO(umount("m"), -1, EBUSY);
	CHECK_EQ(umount("m/sub"), 0);
	CHECK_EQ(umount("m"), 0);
	CHECK_OK(stat("m/under", &st));
	/* Not a mount point; bad flags; unknown types. */
	CHECK_ERRNO(umount("m"), -1, EINVAL);
	CHECK_ERRNO(umount2("m", 0x100), -1, EINVAL);
	CHECK_ERRNO(mount("none", "m", "nosuchfs-moat", 0, NULL), -1, ENODEV);
	CHECK_ERRNO(mount("none", "nope", "tmpfs", 0, NULL), -1, ENOENT);

	/* Bind mounts, then a read-only remount of the bind. */
	ASSERT_OK(mkdir("src", 0755));
	ASSERT_OK(fd = open("src/file", O_CREAT | O_WRONLY, 0644));
	close(fd);
	CHECK_EQ(mount("src", "m", NULL, MS_BIND, NULL), 0);
	CHECK_OK(stat("m/file", &st));
	CHECK_EQ(mount(NULL, "m", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL), 0);
	CHECK_ERRNO(open("m/new", O_CREAT | O_WRONLY, 0644), -1, EROFS);
	CHECK_OK(statfs("m", &sf));
	CHECK_EQ(sf.f_flags & ST_RDONLY, ST_RDONLY);
	/* The source stays writable. */
	ASSERT_OK(fd = open("src/new", O_CREAT | O_WRONLY, 0644));
	close(fd);
	CHECK_EQ(umount2("m", MNT_DETACH), 0);

	/* Without CAP_SYS_ADMIN: EPERM. */
	pid_t pid = test_fork();
	if (pid == 0) {
		if (setresuid(65534, 65534, 65534))
			FATAL("setresuid");
		CHECK_ERRNO(mount("none", tdir, "tmpfs", 0, NULL), -1, EPERM);
		CHECK_ERRNO(umount("/proc"), -1, EPERM);
		child_exit();
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);

	cleanup_dir();
	return test_done();
}
