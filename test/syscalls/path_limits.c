//go:build ignore

/* NAME_MAX and PATH_MAX when creating, and deep directory trees. */
#include "testutil.h"
#include <limits.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	int fd;
	setup_dir();
	char name[300];
	memset(name, 'n', 255);
	name[255] = 0;
	/* A 255-byte name is fine, 256 is not. */
	ASSERT_OK(fd = open(name, O_CREAT | O_WRONLY, 0644));
	close(fd);
	struct stat st;
	CHECK_OK(stat(name, &st));
	CHECK_EQ(mkdir(name, 0755), -1);
	CHECK_EQ(errno, EEXIST);
	CHECK_OK(unlink(name));
	name[255] = 'n';
	name[256] = 0;
	CHECK_ERRNO(open(name, O_CREAT | O_WRONLY, 0644), -1, ENAMETOOLONG);
	CHECK_ERRNO(mkdir(name, 0755), -1, ENAMETOOLONG);
	CHECK_ERRNO(symlink("x", name), -1, ENAMETOOLONG);
	/* The old name is looked up first. */
	CHECK_ERRNO(rename("nope", name), -1, ENOENT);
	ASSERT_OK(fd = open("short", O_CREAT | O_WRONLY, 0644));
	close(fd);
	CHECK_ERRNO(rename("short", name), -1, ENAMETOOLONG);

	/* A path of PATH_MAX bytes or more. */
	static char path[PATH_MAX + 10];
	memset(path, 0, sizeof(path));
	for (int i = 0; i < PATH_MAX; i += 2)
		memcpy(path + i, "./", 2);
	path[PATH_MAX - 1] = 0;
	CHECK_OK(stat(path, &st)); /* 4095 bytes: fine */
	path[PATH_MAX - 1] = '.';
	CHECK_ERRNO(stat(path, &st), -1, ENAMETOOLONG);
	CHECK_ERRNO(mkdir(path, 0755), -1, ENAMETOOLONG);

	/* A deep tree, reached relative to the cwd step by step. */
	int depth = 0;
	for (; depth < 100; depth++) {
		if (mkdir("d", 0755) || chdir("d"))
			break;
	}
	CHECK_EQ(depth, 100);
	char cwd[PATH_MAX];
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	CHECK_EQ(strlen(cwd), strlen(tdir) + 2 * 100);
	CHECK_OK(chdir(tdir));

	cleanup_dir();
	return test_done();
}
