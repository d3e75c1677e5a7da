//go:build ignore

/* renameat2: RENAME_NOREPLACE and RENAME_EXCHANGE. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#define RENAME_WHITEOUT 4
#endif

static long r2(const char *a, const char *b, unsigned flags)
{
	return RAW(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, flags);
}

int main(void)
{
	struct stat sa, sb, st;
	int fd;
	setup_dir();
	ASSERT_OK(fd = open("a", O_CREAT | O_WRONLY, 0644));
	close(fd);
	ASSERT_OK(fd = open("b", O_CREAT | O_WRONLY, 0600));
	close(fd);
	CHECK_OK(stat("a", &sa));
	CHECK_OK(stat("b", &sb));

	/* NOREPLACE: EEXIST over an existing name, else a plain rename. */
	CHECK_ERRNO(r2("a", "b", RENAME_NOREPLACE), -1, EEXIST);
	CHECK_EQ(r2("a", "c", RENAME_NOREPLACE), 0);
	CHECK_OK(stat("c", &st));
	CHECK_EQ(st.st_ino, sa.st_ino);

	/* EXCHANGE swaps two names atomically. */
	CHECK_EQ(r2("c", "b", RENAME_EXCHANGE), 0);
	CHECK_OK(stat("b", &st));
	CHECK_EQ(st.st_ino, sa.st_ino);
	CHECK_OK(stat("c", &st));
	CHECK_EQ(st.st_ino, sb.st_ino);
	/* Both names must exist. */
	CHECK_ERRNO(r2("c", "nope", RENAME_EXCHANGE), -1, ENOENT);
	/* A file and a directory may be exchanged. */
	ASSERT_OK(mkdir("d", 0755));
	ASSERT_OK(fd = open("d/in", O_CREAT | O_WRONLY, 0644));
	close(fd);
	CHECK_EQ(r2("c", "d", RENAME_EXCHANGE), 0);
	CHECK_OK(stat("c/in", &st));
	CHECK_OK(stat("d", &st));
	CHECK_EQ(S_ISREG(st.st_mode), 1);
	/* Exchanging a directory with its own descendant. */
	ASSERT_OK(mkdir("c/sub", 0755));
	CHECK_ERRNO(r2("c", "c/sub", RENAME_EXCHANGE), -1, EINVAL);

	/* Bad flag combinations. */
	CHECK_ERRNO(r2("b", "d", RENAME_EXCHANGE | RENAME_NOREPLACE), -1, EINVAL);
	CHECK_ERRNO(r2("b", "d", 0x100), -1, EINVAL);

	cleanup_dir();
	return test_done();
}
