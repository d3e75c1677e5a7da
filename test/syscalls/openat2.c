//go:build ignore

/* openat2: struct open_how and the RESOLVE_* flags. */
#include "testutil.h"
#include <linux/openat2.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

static long o2(int dfd, const char *p, unsigned long long flags, unsigned long long mode,
	       unsigned long long resolve)
{
	struct open_how how = {.flags = flags, .mode = mode, .resolve = resolve};
	return RAW(SYS_openat2, dfd, p, &how, sizeof(how));
}

int main(void)
{
	int dfd, fd;
	setup_dir();
	ASSERT_OK(mkdir("root", 0755));
	ASSERT_OK(mkdir("root/sub", 0755));
	ASSERT_OK(fd = open("root/sub/f", O_CREAT | O_WRONLY, 0644));
	close(fd);
	ASSERT_OK(fd = open("outside", O_CREAT | O_WRONLY, 0644));
	close(fd);
	ASSERT_OK(symlink("../outside", "root/up"));
	ASSERT_OK(symlink("/etc/passwd", "root/abs"));
	ASSERT_OK(symlink("sub/f", "root/rel"));
	ASSERT_OK(dfd = open("root", O_RDONLY | O_DIRECTORY));

	/* Plain use. */
	ASSERT_OK(fd = o2(dfd, "sub/f", O_RDONLY, 0, 0));
	close(fd);
	ASSERT_OK(fd = o2(dfd, "new", O_CREAT | O_WRONLY, 0600, 0));
	struct stat st;
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_mode & 0777, 0600 & ~umask(022));
	close(fd);

	/* RESOLVE_BENEATH: no escape by "..", absolute paths or links. */
	ASSERT_OK(fd = o2(dfd, "sub/../sub/f", O_RDONLY, 0, RESOLVE_BENEATH));
	close(fd);
	ASSERT_OK(fd = o2(dfd, "rel", O_RDONLY, 0, RESOLVE_BENEATH));
	close(fd);
	CHECK_ERRNO(o2(dfd, "../outside", O_RDONLY, 0, RESOLVE_BENEATH), -1, EXDEV);
	CHECK_ERRNO(o2(dfd, "up", O_RDONLY, 0, RESOLVE_BENEATH), -1, EXDEV);
	CHECK_ERRNO(o2(dfd, "abs", O_RDONLY, 0, RESOLVE_BENEATH), -1, EXDEV);
	CHECK_ERRNO(o2(dfd, "/etc/passwd", O_RDONLY, 0, RESOLVE_BENEATH), -1, EXDEV);
	/* RESOLVE_IN_ROOT: the directory is the root. */
	ASSERT_OK(fd = o2(dfd, "/sub/f", O_RDONLY, 0, RESOLVE_IN_ROOT));
	close(fd);
	ASSERT_OK(fd = o2(dfd, "../../sub/f", O_RDONLY, 0, RESOLVE_IN_ROOT));
	close(fd);
	CHECK_ERRNO(o2(dfd, "abs", O_RDONLY, 0, RESOLVE_IN_ROOT), -1, ENOENT);
	/* RESOLVE_NO_SYMLINKS. */
	CHECK_ERRNO(o2(dfd, "rel", O_RDONLY, 0, RESOLVE_NO_SYMLINKS), -1, ELOOP);
	ASSERT_OK(fd = o2(dfd, "rel", O_PATH | O_NOFOLLOW, 0, RESOLVE_NO_SYMLINKS));
	close(fd);
	/* RESOLVE_NO_XDEV: /proc is another mount. */
	CHECK_ERRNO(o2(AT_FDCWD, "/proc/self/status", O_RDONLY, 0, RESOLVE_NO_XDEV), -1, EXDEV);
	ASSERT_OK(fd = o2(dfd, "sub/f", O_RDONLY, 0, RESOLVE_NO_XDEV));
	close(fd);

	/* The struct: too small, unknown trailing bytes, unknown flags. */
	struct {
		struct open_how how;
		unsigned long long extra;
	} big = {{.flags = O_RDONLY}, 1};
	CHECK_ERRNO(RAW(SYS_openat2, dfd, "sub/f", &big, sizeof(big)), -1, E2BIG);
	big.extra = 0;
	ASSERT_OK(fd = RAW(SYS_openat2, dfd, "sub/f", &big, sizeof(big)));
	close(fd);
	CHECK_ERRNO(RAW(SYS_openat2, dfd, "sub/f", &big, 8), -1, EINVAL);
	CHECK_ERRNO(o2(dfd, "sub/f", O_RDONLY, 0, 0x1000), -1, EINVAL);
	CHECK_ERRNO(o2(dfd, "sub/f", 1ULL << 40, 0, 0), -1, EINVAL);
	/* A mode without O_CREAT, and RESOLVE_BENEATH|RESOLVE_IN_ROOT. */
	CHECK_ERRNO(o2(dfd, "sub/f", O_RDONLY, 0644, 0), -1, EINVAL);
	CHECK_ERRNO(o2(dfd, "sub/f", O_RDONLY, 0, RESOLVE_BENEATH | RESOLVE_IN_ROOT), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_openat2, dfd, "sub/f", (void *)8, sizeof(struct open_how)), -1, EFAULT);

	close(dfd);
	cleanup_dir();
	return test_done();
}
