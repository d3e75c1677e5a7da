//go:build ignore

/* memfd_create: an anonymous tmpfs file: write, size, mmap shared with a
 * forked child, and flag errors. */
#include "testutil.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

int main(void)
{
	int fd;
	ASSERT_OK(fd = memfd_create("moat-test", MFD_CLOEXEC));
	CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(write(fd, "hello", 5), 5);
	struct stat st;
	CHECK_OK(fstat(fd, &st));
	CHECK(S_ISREG(st.st_mode));
	CHECK_EQ(st.st_size, 5);
	CHECK_EQ(st.st_nlink, 0);
	CHECK_OK(ftruncate(fd, 8192));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 8192);
	CHECK_EQ(lseek(fd, 0, SEEK_END), 8192);
	char buf[8] = {0};
	CHECK_EQ(pread(fd, buf, 5, 0), 5);
	CHECK_MEMEQ(buf, "hello", 5);
	char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(m, MAP_FAILED);
	CHECK_MEMEQ(m, "hello", 5);
	pid_t c = fork();
	ASSERT_GE(c, 0);
	if (c == 0) {
		memcpy(m + 4096, "child", 5);
		_exit(0);
	}
	int s;
	CHECK_EQ(waitpid(c, &s, 0), c);
	CHECK_MEMEQ(m + 4096, "child", 5);
	CHECK_EQ(pread(fd, buf, 5, 4096), 5);
	CHECK_MEMEQ(buf, "child", 5);
	CHECK_OK(munmap(m, 8192));
	close(fd);
	CHECK_ERRNO(memfd_create("x", 0x1000), -1, EINVAL);
	char longname[300];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	CHECK_ERRNO(memfd_create(longname, 0), -1, EINVAL);
	return test_done();
}
