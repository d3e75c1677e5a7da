//go:build ignore

/*
 * fs_fchmodat2: fchmodat2(2) (Linux 6.6) is fchmodat with flags:
 * AT_EMPTY_PATH changes the file an fd names, AT_SYMLINK_NOFOLLOW on a
 * symlink is EOPNOTSUPP (and on a regular file changes it), other flags
 * are EINVAL.
 */
#include "testutil.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

static int fchmodat2(int dirfd, const char *path, mode_t mode, int flags)
{
	return syscall(SYS_fchmodat2, dirfd, path, mode, flags);
}

static mode_t mode_of(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

int main(void)
{
	setup_dir();
	char f[128], l[128];
	snprintf(f, sizeof f, "%s/f", tdir);
	snprintf(l, sizeof l, "%s/l", tdir);
	int fd = open(f, O_CREAT | O_WRONLY, 0644);
	ASSERT_GE(fd, 0);
	ASSERT_OK(symlink("f", l));

	CHECK_OK(fchmodat2(AT_FDCWD, f, 0600, 0));
	CHECK_EQ(mode_of(f), 0600);
	CHECK_OK(fchmodat2(AT_FDCWD, f, 0640, AT_SYMLINK_NOFOLLOW));
	CHECK_EQ(mode_of(f), 0640);
	CHECK_ERRNO(fchmodat2(AT_FDCWD, l, 0600, AT_SYMLINK_NOFOLLOW), -1, EOPNOTSUPP);
	/* Through the link without the flag: the target changes. */
	CHECK_OK(fchmodat2(AT_FDCWD, l, 0604, 0));
	CHECK_EQ(mode_of(f), 0604);
	CHECK_OK(fchmodat2(fd, "", 0611, AT_EMPTY_PATH));
	CHECK_EQ(mode_of(f), 0611);
	CHECK_ERRNO(fchmodat2(fd, "", 0600, 0), -1, ENOENT);
	CHECK_ERRNO(fchmodat2(AT_FDCWD, f, 0600, 0x4), -1, EINVAL);
	close(fd);
	cleanup_dir();
	return test_done();
}
