//go:build ignore

/* preadv2 and pwritev2: offsets, -1 for the file offset, RWF flags. */
#include "testutil.h"
#include <sys/uio.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	char a[4], b[4];
	int fd;
	setup_dir();
	ASSERT_OK(fd = open("f", O_CREAT | O_RDWR, 0644));
	struct iovec w[2] = {{"abcd", 4}, {"efgh", 4}};
	CHECK_EQ(pwritev2(fd, w, 2, 0, 0), 8);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0);
	/* Offset -1 uses and moves the file offset. */
	struct iovec r[2] = {{a, 4}, {b, 4}};
	CHECK_EQ(preadv2(fd, r, 2, -1, 0), 8);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 8);
	CHECK_MEMEQ(a, "abcd", 4);
	CHECK_MEMEQ(b, "efgh", 4);
	CHECK_EQ(pwritev2(fd, w, 1, -1, 0), 4);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 12);
	/* At an offset. */
	CHECK_EQ(preadv2(fd, r, 1, 4, 0), 4);
	CHECK_MEMEQ(a, "efgh", 4);
	/* RWF_APPEND writes at the end. */
	CHECK_EQ(pwritev2(fd, w, 1, 0, RWF_APPEND), 4);
	struct stat st;
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 16);
	CHECK_EQ(preadv2(fd, r, 1, 12, 0), 4);
	CHECK_MEMEQ(a, "abcd", 4);
	/* Sync flags are accepted. */
	CHECK_EQ(pwritev2(fd, w, 1, 0, RWF_DSYNC), 4);
	CHECK_EQ(pwritev2(fd, w, 1, 0, RWF_SYNC), 4);
	CHECK_EQ(preadv2(fd, r, 1, 0, RWF_HIPRI), 4);
	/* Unknown flags, bad offsets. */
	CHECK_ERRNO(preadv2(fd, r, 1, 0, 0x10000), -1, EOPNOTSUPP);
	CHECK_ERRNO(preadv2(fd, r, 1, -2, 0), -1, EINVAL);
	int p[2];
	ASSERT_OK(pipe(p));
	CHECK_ERRNO(pwritev2(p[1], w, 1, 0, 0), -1, ESPIPE);
	CHECK_EQ(pwritev2(p[1], w, 1, -1, 0), 4);
	CHECK_EQ(preadv2(p[0], r, 1, -1, 0), 4);
	CHECK_ERRNO(preadv2(999, r, 1, -1, 0), -1, EBADF);
	close(p[0]);
	close(p[1]);
	close(fd);
	cleanup_dir();
	return test_done();
}
