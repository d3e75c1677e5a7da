//go:build ignore

/*
 * lseek SEEK_DATA and SEEK_HOLE on a sparse file in /tmp and in a
 * directory of the root filesystem, whatever lies under them: on Linux an
 * overlay asks the file of its layer, and tmpfs, ext4, xfs and btrfs all
 * tell holes from data. (In runsc do, /tmp is a tmpfs over the host's
 * /tmp, and the root an overlay with a tmpfs upper layer: the file is the
 * upper layer's.) A filesystem that does not track holes may call the
 * whole file data; on one of those the checks are skipped.
 */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#ifndef OVERLAYFS_SUPER_MAGIC
#define OVERLAYFS_SUPER_MAGIC 0x794c7630
#endif

static int knows_holes(const char *dir)
{
	struct statfs sf;
	if (statfs(dir, &sf) != 0)
		FATAL("statfs %s: errno %d", dir, errno);
	switch ((unsigned long)sf.f_type) {
	case TMPFS_MAGIC:
	case EXT4_SUPER_MAGIC:
	case XFS_SUPER_MAGIC:
	case BTRFS_SUPER_MAGIC:
	case OVERLAYFS_SUPER_MAGIC:
		return 1;
	}
	printf("%s: f_type 0x%lx may not track holes; skipped\n", dir, (long)sf.f_type);
	return 0;
}

/* check makes a 128 KiB file in dir with data in its first and 17th
 * pages only, and looks for them. Whole pages are written, so that the
 * answers are the same for 1 KiB and 4 KiB blocks. */
static void check(const char *dir)
{
	if (!knows_holes(dir))
		return;
	char path[128];
	snprintf(path, sizeof(path), "%s/sparse", dir);
	int fd;
	ASSERT_OK(fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644));
	static char page[4096];
	memset(page, 'x', sizeof(page));
	ASSERT_EQ(pwrite(fd, page, 4096, 0), 4096);
	ASSERT_EQ(pwrite(fd, page, 4096, 16 * 4096), 4096);
	ASSERT_OK(ftruncate(fd, 32 * 4096));
	CHECK_EQ(lseek(fd, 0, SEEK_DATA), 0);
	CHECK_EQ(lseek(fd, 0, SEEK_HOLE), 4096);
	CHECK_EQ(lseek(fd, 4096, SEEK_DATA), 16 * 4096);
	CHECK_EQ(lseek(fd, 16 * 4096 + 10, SEEK_DATA), 16 * 4096 + 10);
	CHECK_EQ(lseek(fd, 16 * 4096, SEEK_HOLE), 17 * 4096);
	CHECK_ERRNO(lseek(fd, 17 * 4096, SEEK_DATA), -1, ENXIO);
	CHECK_EQ(lseek(fd, 20 * 4096, SEEK_HOLE), 20 * 4096);
	CHECK_ERRNO(lseek(fd, 32 * 4096, SEEK_HOLE), -1, ENXIO);
	/* A second descriptor, opened read-only, sees the same. */
	int rfd;
	ASSERT_OK(rfd = open(path, O_RDONLY));
	CHECK_EQ(lseek(rfd, 4096, SEEK_DATA), 16 * 4096);
	CHECK_EQ(lseek(rfd, 0, SEEK_CUR), 16 * 4096);
	close(rfd);
	close(fd);
	CHECK_OK(unlink(path));
}

int main(void)
{
	setup_dir();
	check(tdir);
	/* The root filesystem: /var/tmp, made here if it is missing. */
	char rdir[] = "/var/tmp/moat-holes-XXXXXX";
	mkdir("/var/tmp", 01777);
	ASSERT_NE(mkdtemp(rdir), NULL);
	check(rdir);
	CHECK_OK(rmdir(rdir));
	cleanup_dir();
	return test_done();
}
