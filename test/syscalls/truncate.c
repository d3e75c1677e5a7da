//go:build ignore

/* truncate and ftruncate. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	struct stat st;
	char buf[8192];
	int fd;
	setup_dir();
	ASSERT_OK(chmod(tdir, 0777));
	ASSERT_OK(fd = open("f", O_CREAT | O_RDWR, 0644));
	memset(buf, 'a', sizeof(buf));
	CHECK_EQ(write(fd, buf, 6000), 6000);

	/* Shrinking drops data; growing again reads zeros. */
	CHECK_EQ(ftruncate(fd, 100), 0);
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 100);
	CHECK_EQ(ftruncate(fd, 5000), 0);
	CHECK_EQ(pread(fd, buf, sizeof(buf), 0), 5000);
	CHECK_EQ(buf[99], 'a');
	int zeros = 1;
	for (int i = 100; i < 5000; i++)
		if (buf[i] != 0)
			zeros = 0;
	CHECK_EQ(zeros, 1);
	/* The offset is not moved. */
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 6000);
	/* truncate by path. */
	CHECK_EQ(truncate("f", 10), 0);
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_size, 10);
	CHECK_EQ(truncate("f", 1 << 20), 0);
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_size, 1 << 20);
	/* mtime moves on ftruncate. */
	struct timespec ts[2] = {{1, 0}, {1, 0}};
	CHECK_EQ(futimens(fd, ts), 0);
	CHECK_EQ(ftruncate(fd, 7), 0);
	CHECK_OK(fstat(fd, &st));
	CHECK_GT(st.st_mtim.tv_sec, 1);

	/* Errors. */
	CHECK_ERRNO(ftruncate(fd, -1), -1, EINVAL);
	CHECK_ERRNO(truncate("f", -1), -1, EINVAL);
	CHECK_ERRNO(truncate("nope", 0), -1, ENOENT);
	ASSERT_OK(mkdir("d", 0755));
	CHECK_ERRNO(truncate("d", 0), -1, EISDIR);
	int dfd;
	ASSERT_OK(dfd = open("d", O_RDONLY));
	CHECK_ERRNO(ftruncate(dfd, 0), -1, EINVAL);
	close(dfd);
	int ro;
	ASSERT_OK(ro = open("f", O_RDONLY));
	CHECK_ERRNO(ftruncate(ro, 0), -1, EINVAL);
	close(ro);
	CHECK_ERRNO(ftruncate(999, 0), -1, EBADF);
	int p[2];
	ASSERT_OK(pipe(p));
	CHECK_ERRNO(ftruncate(p[1], 0), -1, EINVAL);
	close(p[0]);
	close(p[1]);
	/* A file the caller may not write. */
	ASSERT_OK(chmod("f", 0444));
	pid_t pid = test_fork();
	if (pid == 0) {
		if (setresuid(65534, 65534, 65534))
			FATAL("setresuid");
		CHECK_ERRNO(truncate("f", 0), -1, EACCES);
		child_exit();
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	close(fd);

	cleanup_dir();
	return test_done();
}
