//go:build ignore

/* Symlink resolution limits: 40 links in a path resolve, 41 give ELOOP; loops give ELOOP; relative targets resolve from the link's directory. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	struct stat st;
	char name[32], target[32];
	int fd;
	setup_dir();
	ASSERT_OK(fd = open("end", O_CREAT | O_WRONLY, 0644));
	close(fd);
	/* l0 -> end, l1 -> l0, ... l40 -> l39: opening lN follows N+1 links. */
	for (int i = 0; i <= 40; i++) {
		snprintf(name, sizeof(name), "l%d", i);
		if (i == 0)
			snprintf(target, sizeof(target), "end");
		else
			snprintf(target, sizeof(target), "l%d", i - 1);
		ASSERT_OK(symlink(target, name));
	}
	CHECK_OK(stat("l39", &st));
	CHECK_EQ(S_ISREG(st.st_mode), 1);
	CHECK_ERRNO(stat("l40", &st), -1, ELOOP);
	CHECK_ERRNO(open("l40", O_RDONLY), -1, ELOOP);
	/* lstat follows none; readlink reads one. */
	CHECK_OK(lstat("l40", &st));
	char buf[32];
	CHECK_EQ(readlink("l40", buf, sizeof(buf)), 3);
	/* Self loops and two-link cycles. */
	ASSERT_OK(symlink("self", "self"));
	CHECK_ERRNO(stat("self", &st), -1, ELOOP);
	CHECK_ERRNO(open("self", O_RDONLY | O_CREAT, 0644), -1, ELOOP);
	ASSERT_OK(symlink("b", "a"));
	ASSERT_OK(symlink("a", "b"));
	CHECK_ERRNO(stat("a/x", &st), -1, ELOOP);
	/* Links in the middle of a path count toward the same limit. */
	ASSERT_OK(mkdir("dir", 0755));
	ASSERT_OK(fd = open("dir/f", O_CREAT | O_WRONLY, 0644));
	close(fd);
	for (int i = 0; i <= 40; i++) {
		snprintf(name, sizeof(name), "m%d", i);
		if (i == 0)
			snprintf(target, sizeof(target), "dir");
		else
			snprintf(target, sizeof(target), "m%d", i - 1);
		ASSERT_OK(symlink(target, name));
	}
	CHECK_OK(stat("m39/f", &st));
	CHECK_ERRNO(stat("m40/f", &st), -1, ELOOP);
	/* A relative target resolves from the link's own directory. */
	ASSERT_OK(symlink("f", "dir/rel"));
	CHECK_OK(stat("dir/rel", &st));
	CHECK_EQ(S_ISREG(st.st_mode), 1);
	ASSERT_OK(symlink("../dir/f", "dir/up"));
	CHECK_OK(stat("m0/up", &st));
	/* An empty target cannot be made. */
	CHECK_ERRNO(symlink("", "empty"), -1, ENOENT);
	cleanup_dir();
	return test_done();
}
