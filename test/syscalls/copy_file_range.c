//go:build ignore

/* copy_file_range between regular files. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	char buf[4096], back[4096];
	int in, out;
	setup_dir();
	for (int i = 0; i < (int)sizeof(buf); i++)
		buf[i] = i * 13;
	ASSERT_OK(in = open("in", O_CREAT | O_RDWR, 0644));
	CHECK_EQ(write(in, buf, sizeof(buf)), sizeof(buf));
	ASSERT_OK(out = open("out", O_CREAT | O_RDWR, 0644));

	loff_t ioff = 10, ooff = 20;
	CHECK_EQ(copy_file_range(in, &ioff, out, &ooff, 100, 0), 100);
	CHECK_EQ(ioff, 110);
	CHECK_EQ(ooff, 120);
	CHECK_EQ(lseek(in, 0, SEEK_CUR), sizeof(buf));
	CHECK_EQ(lseek(out, 0, SEEK_CUR), 0);
	CHECK_EQ(pread(out, back, 120, 0), 120);
	CHECK_MEMEQ(back + 20, buf + 10, 100);
	CHECK_EQ(back[0], 0);

	/* NULL offsets use and move the file offsets. */
	CHECK_EQ(lseek(in, 4000, SEEK_SET), 4000);
	CHECK_EQ(copy_file_range(in, NULL, out, NULL, 1000, 0), 96);
	CHECK_EQ(lseek(in, 0, SEEK_CUR), 4096);
	CHECK_EQ(lseek(out, 0, SEEK_CUR), 96);
	/* At the end of the input: 0. */
	CHECK_EQ(copy_file_range(in, NULL, out, NULL, 1000, 0), 0);
	CHECK_EQ(copy_file_range(in, NULL, out, NULL, 0, 0), 0);

	/* Errors. */
	CHECK_ERRNO(copy_file_range(in, NULL, out, NULL, 1, 1), -1, EINVAL);
	int ro;
	ASSERT_OK(ro = open("out", O_RDONLY));
	CHECK_ERRNO(copy_file_range(in, NULL, ro, NULL, 1, 0), -1, EBADF);
	close(ro);
	int ap;
	ASSERT_OK(ap = open("out", O_WRONLY | O_APPEND));
	CHECK_ERRNO(copy_file_range(in, NULL, ap, NULL, 1, 0), -1, EBADF);
	close(ap);
	int p[2];
	ASSERT_OK(pipe(p));
	CHECK_ERRNO(copy_file_range(in, NULL, p[1], NULL, 1, 0), -1, EINVAL);
	close(p[0]);
	close(p[1]);
	int d;
	ASSERT_OK(mkdir("d", 0755));
	ASSERT_OK(d = open("d", O_RDONLY));
	CHECK_ERRNO(copy_file_range(d, NULL, out, NULL, 1, 0), -1, EISDIR);
	close(d);
	/* Overlapping ranges of one file. */
	ioff = 0;
	ooff = 10;
	CHECK_ERRNO(copy_file_range(in, &ioff, in, &ooff, 100, 0), -1, EINVAL);
	ooff = 1000;
	CHECK_EQ(copy_file_range(in, &ioff, in, &ooff, 100, 0), 100);

	close(in);
	close(out);
	cleanup_dir();
	return test_done();
}
