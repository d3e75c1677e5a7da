//go:build ignore

/* A directory's mtime and ctime move when its entries change; a file's
 * ctime when its link count does. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

static int later(struct timespec a, struct timespec b)
{
	return b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec > a.tv_nsec);
}

static void pause_a_bit(void)
{
	struct timespec ts = {0, 15000000};
	nanosleep(&ts, NULL);
}

int main(void)
{
	struct stat a, b;
	int fd;
	setup_dir();
	ASSERT_OK(mkdir("d", 0755));
	ASSERT_OK(fd = open("d/f", O_CREAT | O_WRONLY, 0644));
	close(fd);

	const char *ops[] = {"link", "rename", "unlink", "symlink", "mkdir", "rmdir"};
	for (int i = 0; i < 6; i++) {
		CHECK_OK(stat("d", &a));
		pause_a_bit();
		int r = -1;
		switch (i) {
		case 0: r = link("d/f", "d/g"); break;
		case 1: r = rename("d/g", "d/h"); break;
		case 2: r = unlink("d/h"); break;
		case 3: r = symlink("f", "d/s"); break;
		case 4: r = mkdir("d/sub", 0755); break;
		case 5: r = rmdir("d/sub"); break;
		}
		CHECK_EQ(r, 0);
		CHECK_OK(stat("d", &b));
		if (!later(a.st_mtim, b.st_mtim) || !later(a.st_ctim, b.st_ctim))
			FAIL("%s: directory times did not move", ops[i]);
	}
	/* link changes the file's ctime, not its mtime. */
	CHECK_OK(stat("d/f", &a));
	pause_a_bit();
	CHECK_OK(link("d/f", "d/f2"));
	CHECK_OK(stat("d/f", &b));
	CHECK(later(a.st_ctim, b.st_ctim));
	CHECK_EQ(b.st_mtim.tv_sec, a.st_mtim.tv_sec);
	CHECK_EQ(b.st_mtim.tv_nsec, a.st_mtim.tv_nsec);
	/* A write moves mtime and ctime; a read leaves them. */
	CHECK_OK(stat("d/f", &a));
	pause_a_bit();
	ASSERT_OK(fd = open("d/f", O_RDWR));
	CHECK_EQ(write(fd, "x", 1), 1);
	CHECK_OK(fstat(fd, &b));
	CHECK(later(a.st_mtim, b.st_mtim));
	CHECK(later(a.st_ctim, b.st_ctim));
	a = b;
	pause_a_bit();
	char c;
	CHECK_EQ(pread(fd, &c, 1, 0), 1);
	CHECK_OK(fstat(fd, &b));
	CHECK_EQ(b.st_mtim.tv_nsec, a.st_mtim.tv_nsec);
	CHECK_EQ(b.st_ctim.tv_nsec, a.st_ctim.tv_nsec);
	close(fd);
	cleanup_dir();
	return test_done();
}
