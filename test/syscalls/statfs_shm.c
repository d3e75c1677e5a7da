//go:build ignore

/* statfs and fstatfs of tmpfs (/dev/shm) and of a directory one may
 * write. */
#include "testutil.h"
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <linux/magic.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	struct statfs s;
	CHECK_EQ(statfs("/dev/shm", &s), 0);
	CHECK_EQ(s.f_type, TMPFS_MAGIC);
	CHECK_EQ(s.f_bsize, 4096);
	CHECK_EQ(s.f_namelen, 255);
	CHECK_LE(s.f_bfree, s.f_blocks);
	CHECK_EQ(s.f_bavail, s.f_bfree);

	struct statvfs v;
	CHECK_EQ(statvfs("/dev/shm", &v), 0);
	CHECK_EQ(v.f_bsize, 4096);
	CHECK_EQ(v.f_flag & ST_RDONLY, 0);

	/* fstatfs agrees with statfs. */
	int fd;
	ASSERT_OK(fd = open("/dev/shm", O_RDONLY | O_DIRECTORY));
	struct statfs f;
	CHECK_EQ(fstatfs(fd, &f), 0);
	CHECK_EQ(f.f_type, s.f_type);
	CHECK_EQ(f.f_blocks, s.f_blocks);
	close(fd);

	/* Writing a file uses space that statfs reports. */
	setup_dir();
	struct statfs before, after;
	CHECK_EQ(statfs(".", &before), 0);
	ASSERT_OK(fd = open("big", O_CREAT | O_RDWR, 0644));
	static char buf[1 << 20];
	memset(buf, 1, sizeof(buf));
	for (int i = 0; i < 8; i++)
		CHECK_EQ(write(fd, buf, sizeof(buf)), sizeof(buf));
	CHECK_EQ(fsync(fd), 0);
	CHECK_EQ(fstatfs(fd, &after), 0);
	if (before.f_blocks)
		CHECK_LT(after.f_bfree, before.f_bfree);
	close(fd);

	CHECK_ERRNO(statfs("/nonexistent-moat", &s), -1, ENOENT);
	CHECK_ERRNO(statfs("/dev/shm", (void *)8), -1, EFAULT);
	CHECK_ERRNO(fstatfs(999, &s), -1, EBADF);
	cleanup_dir();
	return test_done();
}
