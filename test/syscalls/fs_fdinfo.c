//go:build ignore

/* /proc/self/fdinfo: pos follows reads and lseek, flags are the open flags in octal with O_CLOEXEC from the descriptor, mnt_id names a mountinfo line, ino the file. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

/* O_LARGEFILE as the kernel has it; glibc defines it as 0 on 64-bit. */
#define KERNEL_O_LARGEFILE 0100000

static int fdinfo(int fd, long long *pos, unsigned *flags, int *mnt, unsigned long *ino)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	int f = open(path, O_RDONLY);
	if (f < 0)
		return -1;
	int n = read(f, buf, sizeof(buf) - 1);
	close(f);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	if (strncmp(buf, "pos:\t", 5) != 0)
		return -2;
	char *p = strstr(buf, "flags:\t");
	char *m = strstr(buf, "mnt_id:\t");
	char *i = strstr(buf, "ino:\t");
	if (!p || !m || !i)
		return -3;
	*pos = atoll(buf + 5);
	*flags = strtoul(p + 7, NULL, 8);
	*mnt = atoi(m + 8);
	*ino = strtoul(i + 5, NULL, 10);
	/* The flags field is written with a leading 0, in octal. */
	if (p[7] != '0')
		return -4;
	return 0;
}

int main(void)
{
	long long pos;
	unsigned flags;
	int mnt, fd;
	unsigned long ino;
	struct stat st;
	setup_dir();
	ASSERT_OK(fd = open("f", O_CREAT | O_RDWR | O_APPEND | O_CLOEXEC, 0644));
	ASSERT_OK(fstat(fd, &st));
	ASSERT_OK(fdinfo(fd, &pos, &flags, &mnt, &ino));
	CHECK_EQ(pos, 0);
	CHECK_EQ(flags & ~KERNEL_O_LARGEFILE, O_RDWR | O_APPEND | O_CLOEXEC);
	CHECK_EQ(ino, st.st_ino);
	CHECK_GT(mnt, 0);
	CHECK_EQ(write(fd, "hello", 5), 5);
	ASSERT_OK(fdinfo(fd, &pos, &flags, &mnt, &ino));
	CHECK_EQ(pos, 5);
	CHECK_EQ(lseek(fd, 2, SEEK_SET), 2);
	ASSERT_OK(fdinfo(fd, &pos, &flags, &mnt, &ino));
	CHECK_EQ(pos, 2);
	/* O_CLOEXEC comes from the descriptor: dup does not carry it. */
	int d;
	ASSERT_OK(d = dup(fd));
	ASSERT_OK(fdinfo(d, &pos, &flags, &mnt, &ino));
	CHECK_EQ(flags & ~KERNEL_O_LARGEFILE, O_RDWR | O_APPEND);
	CHECK_EQ(pos, 2);
	/* fcntl changes show. */
	CHECK_OK(fcntl(d, F_SETFL, O_NONBLOCK));
	ASSERT_OK(fdinfo(fd, &pos, &flags, &mnt, &ino));
	CHECK_EQ(flags & ~KERNEL_O_LARGEFILE, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	CHECK_OK(fcntl(fd, F_SETFD, 0));
	ASSERT_OK(fdinfo(fd, &pos, &flags, &mnt, &ino));
	CHECK_EQ(flags & ~KERNEL_O_LARGEFILE, O_RDWR | O_NONBLOCK);
	/* mnt_id is the ID mountinfo gives the file's mount. */
	char want[32];
	snprintf(want, sizeof(want), "%d ", mnt);
	static char mi[1 << 16];
	int m = open("/proc/self/mountinfo", O_RDONLY), len = 0, r;
	ASSERT_OK(m);
	while ((r = read(m, mi + len, sizeof(mi) - 1 - len)) > 0)
		len += r;
	close(m);
	mi[len] = 0;
	int found = 0;
	for (char *line = mi; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (strncmp(line, want, strlen(want)) == 0)
			found = 1;
	CHECK_EQ(found, 1);
	/* A closed descriptor has no fdinfo. */
	close(d);
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", d);
	CHECK_ERRNO(open(path, O_RDONLY), -1, ENOENT);
	close(fd);
	cleanup_dir();
	return test_done();
}
