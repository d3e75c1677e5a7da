//go:build ignore

/* AT_EMPTY_PATH: fstatat, fchownat, linkat, faccessat2, utimensat and readlinkat on the fd itself, O_PATH fds included; without it an empty path is ENOENT. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sys/syscall.h>

int main(void)
{
	struct stat st, st2;
	int fd, pfd, dfd;
	setup_dir();
	ASSERT_OK(fd = open("f", O_CREAT | O_RDWR, 0640));
	ASSERT_OK(pfd = open("f", O_PATH));
	ASSERT_OK(dfd = open(".", O_RDONLY | O_DIRECTORY));
	ASSERT_OK(stat("f", &st2));

	CHECK_ERRNO(fstatat(fd, "", &st, 0), -1, ENOENT);
	CHECK_OK(fstatat(fd, "", &st, AT_EMPTY_PATH));
	CHECK_EQ(st.st_ino, st2.st_ino);
	CHECK_OK(fstatat(pfd, "", &st, AT_EMPTY_PATH));
	CHECK_EQ(st.st_ino, st2.st_ino);
	/* AT_FDCWD with an empty path is the cwd. */
	struct stat cwd, here;
	CHECK_OK(fstatat(AT_FDCWD, "", &cwd, AT_EMPTY_PATH));
	ASSERT_OK(stat(".", &here));
	CHECK_EQ(cwd.st_ino, here.st_ino);
	/* A bad fd with AT_EMPTY_PATH: EBADF. */
	CHECK_ERRNO(fstatat(999, "", &st, AT_EMPTY_PATH), -1, EBADF);
	/* Bad flags: EINVAL. */
	CHECK_ERRNO(fstatat(fd, "", &st, 0x40000000), -1, EINVAL);

	/* fchownat: to the same owner works as root or owner. */
	CHECK_ERRNO(fchownat(fd, "", getuid(), getgid(), 0), -1, ENOENT);
	CHECK_OK(fchownat(fd, "", -1, getgid(), AT_EMPTY_PATH));
	CHECK_OK(fchownat(pfd, "", -1, -1, AT_EMPTY_PATH));

	/* utimensat with a NULL path acts on the fd (the glibc futimens path). */
	struct timespec ts[2] = {{.tv_sec = 1000, .tv_nsec = 0}, {.tv_sec = 2000, .tv_nsec = 0}};
	CHECK_OK(syscall(SYS_utimensat, fd, NULL, ts, 0));
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_mtime, 2000);
	CHECK_EQ(st.st_atime, 1000);

	/* faccessat2 with AT_EMPTY_PATH checks the fd's file. */
	CHECK_OK(syscall(SYS_faccessat2, pfd, "", R_OK | W_OK, AT_EMPTY_PATH));
	CHECK_ERRNO(syscall(SYS_faccessat2, pfd, "", X_OK, AT_EMPTY_PATH), -1, EACCES);

	/* readlinkat with an empty path reads an O_PATH|O_NOFOLLOW symlink. */
	int lfd;
	char buf[16];
	ASSERT_OK(symlink("f", "l"));
	ASSERT_OK(lfd = open("l", O_PATH | O_NOFOLLOW));
	CHECK_EQ(readlinkat(lfd, "", buf, sizeof(buf)), 1);
	CHECK_EQ(buf[0], 'f');
	/* On a non-link fd an empty path is just missing. */
	CHECK_ERRNO(readlinkat(fd, "", buf, sizeof(buf)), -1, ENOENT);
	/* fstatat of the link fd sees the link. */
	CHECK_OK(fstatat(lfd, "", &st, AT_EMPTY_PATH));
	CHECK_EQ(S_ISLNK(st.st_mode), 1);
	close(lfd);

	/* linkat of an O_PATH fd with AT_EMPTY_PATH (root has
	 * CAP_DAC_READ_SEARCH). */
	CHECK_OK(linkat(pfd, "", dfd, "g", AT_EMPTY_PATH));
	CHECK_OK(stat("g", &st));
	CHECK_EQ(st.st_ino, st2.st_ino);
	CHECK_EQ(st.st_nlink, 2);
	/* A directory cannot be linked this way either. */
	CHECK_ERRNO(linkat(dfd, "", dfd, "h", AT_EMPTY_PATH), -1, EPERM);
	/* An unlinked file (not O_TMPFILE) cannot be linked back. */
	ASSERT_OK(unlink("f"));
	ASSERT_OK(unlink("g"));
	CHECK_ERRNO(linkat(fd, "", dfd, "back", AT_EMPTY_PATH), -1, ENOENT);
	close(fd);
	close(pfd);
	close(dfd);
	cleanup_dir();
	return test_done();
}
