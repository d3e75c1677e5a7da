//go:build ignore

/* lseek SEEK_DATA and SEEK_HOLE over a sparse file on tmpfs: holes are whole pages never written or punched out, and the end of file is a hole. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/vfs.h>
#include <linux/magic.h>

int main(void)
{
	int fd;
	setup_dir();
	/* A tmpfs of our own, in a private mount namespace. */
	ASSERT_OK(unshare(CLONE_NEWNS));
	ASSERT_OK(mount("", "/", NULL, MS_REC | MS_PRIVATE, NULL));
	ASSERT_OK(mount("none", tdir, "tmpfs", 0, NULL));
	ASSERT_OK(chdir(tdir));
	struct statfs sf;
	ASSERT_OK(statfs(".", &sf));
	ASSERT_OK(fd = open("f", O_CREAT | O_RDWR, 0644));
	/* Data in pages 0 and 4 (at 16 KiB), size 6 pages + 100. */
	static char page[4096];
	memset(page, 'x', sizeof(page));
	ASSERT_EQ(pwrite(fd, page, 100, 0), 100);
	ASSERT_EQ(pwrite(fd, page, 4096, 4 * 4096), 4096);
	ASSERT_OK(ftruncate(fd, 6 * 4096 + 100));
	if (sf.f_type == TMPFS_MAGIC) {
		CHECK_EQ(lseek(fd, 0, SEEK_DATA), 0);
		CHECK_EQ(lseek(fd, 50, SEEK_DATA), 50);
		CHECK_EQ(lseek(fd, 0, SEEK_HOLE), 4096);
		CHECK_EQ(lseek(fd, 99, SEEK_HOLE), 4096);
		CHECK_EQ(lseek(fd, 4096, SEEK_HOLE), 4096);
		CHECK_EQ(lseek(fd, 5000, SEEK_HOLE), 5000);
		CHECK_EQ(lseek(fd, 4096, SEEK_DATA), 4 * 4096);
		CHECK_EQ(lseek(fd, 4 * 4096 + 7, SEEK_DATA), 4 * 4096 + 7);
		CHECK_EQ(lseek(fd, 4 * 4096, SEEK_HOLE), 5 * 4096);
		/* Past the last data: ENXIO for data, the hole runs to EOF. */
		CHECK_ERRNO(lseek(fd, 5 * 4096, SEEK_DATA), -1, ENXIO);
		CHECK_EQ(lseek(fd, 6 * 4096 + 50, SEEK_HOLE), 6 * 4096 + 50);
		/* The result is the new offset. */
		CHECK_EQ(lseek(fd, 0, SEEK_CUR), 6 * 4096 + 50);
		/* At or past EOF: ENXIO for both. */
		CHECK_ERRNO(lseek(fd, 6 * 4096 + 100, SEEK_DATA), -1, ENXIO);
		CHECK_ERRNO(lseek(fd, 6 * 4096 + 100, SEEK_HOLE), -1, ENXIO);
		CHECK_ERRNO(lseek(fd, -1, SEEK_DATA), -1, ENXIO);
		/* Punching page 4 out leaves no data after page 0. */
		CHECK_OK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 4 * 4096, 4096));
		CHECK_ERRNO(lseek(fd, 4096, SEEK_DATA), -1, ENXIO);
		/* Growing by truncate adds hole, not data. */
		ASSERT_EQ(pwrite(fd, page, 4096, 2 * 4096), 4096);
		ASSERT_OK(ftruncate(fd, 100 * 4096));
		CHECK_EQ(lseek(fd, 3 * 4096, SEEK_HOLE), 3 * 4096);
		CHECK_ERRNO(lseek(fd, 3 * 4096, SEEK_DATA), -1, ENXIO);
		CHECK_EQ(lseek(fd, 4096, SEEK_DATA), 2 * 4096);
		/* Shrinking drops the data past the end. */
		ASSERT_OK(ftruncate(fd, 2 * 4096));
		CHECK_EQ(lseek(fd, 4096, SEEK_HOLE), 4096);
		CHECK_EQ(lseek(fd, 100, SEEK_HOLE), 4096);
		CHECK_ERRNO(lseek(fd, 4096, SEEK_DATA), -1, ENXIO);
		/* Through a shared mapping: touching a data page does not fill
		 * the holes around it; a store fills its own page only (a
		 * read of a hole would fill it, on Linux too). */
		ASSERT_OK(ftruncate(fd, 8 * 4096));
		char *p = mmap(NULL, 8 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		ASSERT_NE(p, MAP_FAILED);
		CHECK_EQ(p[0], 'x');
		p[5 * 4096 + 1] = 'y';
		CHECK_EQ(lseek(fd, 0, SEEK_HOLE), 4096);
		CHECK_EQ(lseek(fd, 4096, SEEK_DATA), 5 * 4096);
		CHECK_EQ(lseek(fd, 5 * 4096, SEEK_HOLE), 6 * 4096);
		CHECK_OK(munmap(p, 8 * 4096));
	} else {
		FAIL("the test directory is not on tmpfs (f_type 0x%lx)", (long)sf.f_type);
	}
	/* Pipes cannot seek at all. */
	int pfd[2];
	ASSERT_OK(pipe(pfd));
	CHECK_ERRNO(lseek(pfd[0], 0, SEEK_DATA), -1, ESPIPE);
	/* Directories refuse them. */
	int dfd;
	ASSERT_OK(dfd = open(".", O_RDONLY | O_DIRECTORY));
	CHECK_ERRNO(lseek(dfd, 0, SEEK_DATA), -1, EINVAL);
	close(dfd);
	close(fd);
	ASSERT_OK(chdir("/"));
	ASSERT_OK(umount(tdir));
	cleanup_dir();
	return test_done();
}
