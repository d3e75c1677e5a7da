//go:build ignore

/* getdents64 while the directory changes: names removed during a listing are never returned twice, names present throughout are returned once, and a rewound listing sees the current state. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <dirent.h>

#define N 300
struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static int seen[N];

static void count(char *buf, long n)
{
	for (long off = 0; off < n;) {
		struct linux_dirent64 *d = (void *)(buf + off);
		int i;
		if (sscanf(d->d_name, "f%d", &i) == 1 && i >= 0 && i < N)
			seen[i]++;
		off += d->d_reclen;
	}
}

int main(void)
{
	int fd, dfd;
	char name[32];
	static char buf[1024];
	setup_dir();
	ASSERT_OK(mkdir("d", 0755));
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "d/f%d", i);
		ASSERT_OK(fd = open(name, O_CREAT | O_WRONLY, 0644));
		close(fd);
	}
	ASSERT_OK(dfd = open("d", O_RDONLY | O_DIRECTORY));
	/* Read a first small batch, then remove every odd name and list
	 * the rest. */
	long n = syscall(SYS_getdents64, dfd, buf, sizeof(buf));
	ASSERT_GT(n, 0);
	count(buf, n);
	for (int i = 1; i < N; i += 2) {
		snprintf(name, sizeof(name), "d/f%d", i);
		ASSERT_OK(unlink(name));
	}
	while ((n = syscall(SYS_getdents64, dfd, buf, sizeof(buf))) > 0)
		count(buf, n);
	CHECK_EQ(n, 0);
	for (int i = 0; i < N; i++) {
		CHECK_LE(seen[i], 1);
		if (i % 2 == 0 && seen[i] != 1)
			FAIL("f%d, never removed, was seen %d times", i, seen[i]);
	}
	/* The listing is at its end; more calls return 0. */
	CHECK_EQ(syscall(SYS_getdents64, dfd, buf, sizeof(buf)), 0);
	/* Rewound, it shows exactly the names left. */
	memset(seen, 0, sizeof(seen));
	CHECK_EQ(lseek(dfd, 0, SEEK_SET), 0);
	while ((n = syscall(SYS_getdents64, dfd, buf, sizeof(buf))) > 0)
		count(buf, n);
	for (int i = 0; i < N; i++)
		if (seen[i] != (i % 2 == 0))
			FAIL("after rewind f%d seen %d times", i, seen[i]);
	/* A buffer too small for one entry: EINVAL. */
	CHECK_EQ(lseek(dfd, 0, SEEK_SET), 0);
	CHECK_ERRNO(syscall(SYS_getdents64, dfd, buf, 8), -1, EINVAL);
	/* Removing the directory itself: listing it is ENOENT. */
	for (int i = 0; i < N; i += 2) {
		snprintf(name, sizeof(name), "d/f%d", i);
		ASSERT_OK(unlink(name));
	}
	ASSERT_OK(rmdir("d"));
	CHECK_EQ(lseek(dfd, 0, SEEK_SET), 0);
	CHECK_ERRNO(syscall(SYS_getdents64, dfd, buf, sizeof(buf)), -1, ENOENT);
	close(dfd);
	cleanup_dir();
	return test_done();
}
