//go:build ignore
/*
 * Opening /proc/self/fd/N opens the same inode again as a new open file
 * description, even when no path names the file any more: a memfd keeps
 * its seals (F_GET_SEALS on the reopened fd), an unlinked tmpfs file its
 * data. The new description has its own offset and access mode.
 */
#include "testutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int reopen(int fd, int flags) {
	char p[64];
	snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
	return open(p, flags);
}

int main(void) {
	/* A memfd: its link names it, and the reopened fd is the same file. */
	int mfd = memfd_create("moat-reopen", MFD_ALLOW_SEALING);
	ASSERT_GE(mfd, 0);
	char p[64], link[256];
	snprintf(p, sizeof p, "/proc/self/fd/%d", mfd);
	ssize_t n = readlink(p, link, sizeof link - 1);
	CHECK(n > 0);
	link[n > 0 ? n : 0] = 0;
	CHECK_STREQ(link, "/memfd:moat-reopen (deleted)");

	int r = reopen(mfd, O_RDWR);
	ASSERT_GE(r, 0);
	CHECK(r != mfd);
	struct stat a, b;
	CHECK_EQ(fstat(mfd, &a), 0);
	CHECK_EQ(fstat(r, &b), 0);
	CHECK_EQ(a.st_ino, b.st_ino);
	CHECK_EQ(a.st_dev, b.st_dev);
	CHECK(S_ISREG(b.st_mode));
	CHECK_EQ(fcntl(r, F_GET_SEALS), 0);
	CHECK_EQ(fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
	CHECK_EQ(fcntl(r, F_GET_SEALS), F_SEAL_SHRINK);
	CHECK_EQ(fcntl(r, F_ADD_SEALS, F_SEAL_GROW), 0);
	CHECK_EQ(fcntl(mfd, F_GET_SEALS), F_SEAL_SHRINK | F_SEAL_GROW);

	/* Data written through one is read through the other; the offsets are
	 * the descriptions' own. */
	CHECK_EQ(ftruncate(r, 0), 0); /* same size: not a shrink */
	CHECK_ERRNO(write(mfd, "abc", 3), -1, EPERM); /* grow is sealed */
	CHECK_EQ(lseek(mfd, 0, SEEK_CUR), 0);
	CHECK_EQ(lseek(r, 0, SEEK_CUR), 0);
	close(r);
	close(mfd);

	/* An unsealed memfd: write through the reopened fd. */
	mfd = memfd_create("plain", 0);
	ASSERT_GE(mfd, 0);
	CHECK_EQ(write(mfd, "hello", 5), 5);
	r = reopen(mfd, O_RDWR);
	ASSERT_GE(r, 0);
	char buf[16] = {0};
	CHECK_EQ(read(r, buf, sizeof buf), 5);
	CHECK_STREQ(buf, "hello");
	CHECK_EQ(pwrite(r, "J", 1, 0), 1);
	CHECK_EQ(pread(mfd, buf, 5, 0), 5);
	CHECK_EQ(memcmp(buf, "Jello", 5), 0);
	CHECK_EQ(fcntl(r, F_GET_SEALS), F_SEAL_SEAL);
	close(r);

	/* A read-only reopen cannot write. */
	r = reopen(mfd, O_RDONLY);
	ASSERT_GE(r, 0);
	CHECK_ERRNO(write(r, "x", 1), -1, EBADF);
	CHECK_EQ(fcntl(r, F_GETFL) & O_ACCMODE, O_RDONLY);
	close(r);
	close(mfd);

	/* An unlinked tmpfs file is reopened by its fd link. */
	char tmpl[] = "/dev/shm/moat-reopen-XXXXXX";
	int fd = mkstemp(tmpl);
	ASSERT_GE(fd, 0);
	CHECK_EQ(write(fd, "data", 4), 4);
	CHECK_EQ(unlink(tmpl), 0);
	r = reopen(fd, O_RDONLY);
	ASSERT_GE(r, 0);
	memset(buf, 0, sizeof buf);
	CHECK_EQ(read(r, buf, sizeof buf), 4);
	CHECK_STREQ(buf, "data");
	CHECK_EQ(fstat(fd, &a), 0);
	CHECK_EQ(fstat(r, &b), 0);
	CHECK_EQ(a.st_ino, b.st_ino);
	CHECK_EQ(b.st_nlink, 0);
	close(r);
	close(fd);

	/* O_DIRECTORY on a link to a regular file is ENOTDIR. */
	mfd = memfd_create("dir", 0);
	ASSERT_GE(mfd, 0);
	CHECK_ERRNO(reopen(mfd, O_RDONLY | O_DIRECTORY), -1, ENOTDIR);
	close(mfd);
	return test_done();
}
