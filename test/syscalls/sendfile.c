//go:build ignore

/* sendfile: file to file, file to pipe, offsets. */
#include "testutil.h"
#include <sys/sendfile.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	char buf[8192];
	int in, out;
	setup_dir();
	ASSERT_OK(in = open("in", O_CREAT | O_RDWR, 0644));
	for (int i = 0; i < (int)sizeof(buf); i++)
		buf[i] = 'a' + i % 26;
	CHECK_EQ(write(in, buf, sizeof(buf)), sizeof(buf));
	ASSERT_OK(out = open("out", O_CREAT | O_RDWR, 0644));

	/* With an offset pointer: in's file offset stays, the pointer moves. */
	off_t off = 100;
	CHECK_EQ(sendfile(out, in, &off, 1000), 1000);
	CHECK_EQ(off, 1100);
	CHECK_EQ(lseek(in, 0, SEEK_CUR), sizeof(buf));
	CHECK_EQ(lseek(out, 0, SEEK_CUR), 1000);
	char back[1000];
	CHECK_EQ(pread(out, back, 1000, 0), 1000);
	CHECK_MEMEQ(back, buf + 100, 1000);
	/* Without: in's offset moves. */
	CHECK_EQ(lseek(in, 8000, SEEK_SET), 8000);
	CHECK_EQ(sendfile(out, in, NULL, 1000), 192);
	CHECK_EQ(lseek(in, 0, SEEK_CUR), 8192);
	CHECK_EQ(sendfile(out, in, NULL, 1000), 0);
	/* Past the end. */
	off = 100000;
	CHECK_EQ(sendfile(out, in, &off, 10), 0);

	/* To a pipe. */
	int p[2];
	ASSERT_OK(pipe(p));
	off = 0;
	CHECK_EQ(sendfile(p[1], in, &off, 26), 26);
	CHECK_EQ(read(p[0], back, sizeof(back)), 26);
	CHECK_MEMEQ(back, "abcdefghijklmnopqrstuvwxyz", 26);

	/* Errors. */
	CHECK_ERRNO(sendfile(out, 999, NULL, 1), -1, EBADF);
	CHECK_ERRNO(sendfile(999, in, NULL, 1), -1, EBADF);
	int wo;
	ASSERT_OK(wo = open("in", O_WRONLY));
	CHECK_ERRNO(sendfile(out, wo, NULL, 1), -1, EBADF);
	close(wo);
	off = -1;
	CHECK_ERRNO(sendfile(out, in, &off, 1), -1, EINVAL);
	int ap;
	ASSERT_OK(ap = open("out", O_WRONLY | O_APPEND));
	CHECK_ERRNO(sendfile(ap, in, NULL, 1), -1, EINVAL);
	close(ap);
	CHECK_ERRNO(sendfile(out, in, (off_t *)8, 1), -1, EFAULT);

	close(p[0]);
	close(p[1]);
	close(in);
	close(out);
	cleanup_dir();
	return test_done();
}
