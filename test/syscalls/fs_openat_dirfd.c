//go:build ignore

/* openat and other *at calls: relative paths need a directory dirfd (ENOTDIR for a file, EBADF for none), absolute paths ignore it, O_PATH directory fds work. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	struct stat st;
	int dfd, ffd, pfd, fd;
	setup_dir();
	ASSERT_OK(mkdir("d", 0755));
	ASSERT_OK(fd = open("d/x", O_CREAT | O_WRONLY, 0644));
	close(fd);
	ASSERT_OK(ffd = open("d/x", O_RDONLY));
	ASSERT_OK(dfd = open("d", O_RDONLY | O_DIRECTORY));
	ASSERT_OK(pfd = open("d", O_PATH));

	/* A file as dirfd with a relative path: ENOTDIR, for every call. */
	CHECK_ERRNO(openat(ffd, "x", O_RDONLY), -1, ENOTDIR);
	CHECK_ERRNO(fstatat(ffd, "x", &st, 0), -1, ENOTDIR);
	CHECK_ERRNO(mkdirat(ffd, "y", 0755), -1, ENOTDIR);
	CHECK_ERRNO(unlinkat(ffd, "x", 0), -1, ENOTDIR);
	CHECK_ERRNO(symlinkat("t", ffd, "s"), -1, ENOTDIR);
	CHECK_ERRNO(faccessat(ffd, "x", R_OK, 0), -1, ENOTDIR);
	CHECK_ERRNO(renameat(ffd, "x", dfd, "y"), -1, ENOTDIR);
	/* "." relative to a file: ENOTDIR too. */
	CHECK_ERRNO(openat(ffd, ".", O_RDONLY), -1, ENOTDIR);
	/* A closed or negative dirfd: EBADF. */
	CHECK_ERRNO(openat(-5, "x", O_RDONLY), -1, EBADF);
	CHECK_ERRNO(openat(999, "x", O_RDONLY), -1, EBADF);
	CHECK_ERRNO(fstatat(999, "x", &st, 0), -1, EBADF);
	/* Absolute paths ignore the dirfd, even a bad one. */
	char abs[128];
	snprintf(abs, sizeof(abs), "%s/d/x", tdir);
	ASSERT_OK(fd = openat(-5, abs, O_RDONLY));
	close(fd);
	ASSERT_OK(fd = openat(ffd, abs, O_RDONLY));
	close(fd);
	CHECK_OK(fstatat(999, abs, &st, 0));
	/* Directory fds, O_PATH ones included, anchor relative paths. */
	ASSERT_OK(fd = openat(dfd, "x", O_RDONLY));
	close(fd);
	ASSERT_OK(fd = openat(pfd, "x", O_RDONLY));
	close(fd);
	CHECK_OK(mkdirat(pfd, "sub", 0755));
	CHECK_OK(fstatat(dfd, "sub", &st, 0));
	CHECK_EQ(S_ISDIR(st.st_mode), 1);
	/* ".." from a directory fd. */
	CHECK_OK(fstatat(dfd, "../d/x", &st, 0));
	/* The dirfd keeps naming the directory after a rename. */
	ASSERT_OK(rename("d", "e"));
	CHECK_OK(fstatat(dfd, "x", &st, 0));
	CHECK_ERRNO(stat("d/x", &st), -1, ENOENT);
	/* An O_PATH file fd cannot be read, nor used as a dirfd. */
	int pf;
	ASSERT_OK(pf = open("e/x", O_PATH));
	char c;
	CHECK_ERRNO(read(pf, &c, 1), -1, EBADF);
	CHECK_ERRNO(openat(pf, "y", O_RDONLY), -1, ENOTDIR);
	close(pf);
	close(ffd);
	close(dfd);
	close(pfd);
	cleanup_dir();
	return test_done();
}
