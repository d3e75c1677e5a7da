//go:build ignore

/* mknod and mknodat: FIFOs, sockets, regular files; device nodes need
 * CAP_MKNOD. */
#include "testutil.h"
#include <sys/sysmacros.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	struct stat st;
	setup_dir();
	umask(022);

	CHECK_EQ(mknod("fifo", S_IFIFO | 0666, 0), 0);
	CHECK_OK(stat("fifo", &st));
	CHECK_EQ(st.st_mode, S_IFIFO | 0644);
	CHECK_EQ(st.st_size, 0);
	CHECK_EQ(mkfifo("fifo2", 0600), 0);
	CHECK_OK(stat("fifo2", &st));
	CHECK_EQ(st.st_mode, S_IFIFO | 0600);

	CHECK_EQ(mknod("sock", S_IFSOCK | 0755, 0), 0);
	CHECK_OK(stat("sock", &st));
	CHECK_EQ(st.st_mode, S_IFSOCK | 0755);
	/* A socket node cannot be opened. */
	CHECK_ERRNO(open("sock", O_RDONLY), -1, ENXIO);

	/* Type 0 is a regular file. */
	CHECK_EQ(mknod("reg", 0644, 0), 0);
	CHECK_OK(stat("reg", &st));
	CHECK_EQ(st.st_mode, S_IFREG | 0644);
	CHECK_EQ(mknod("reg2", S_IFREG | 0600, 0), 0);
	CHECK_OK(stat("reg2", &st));
	CHECK_EQ(st.st_mode, S_IFREG | 0600);

	/* Errors: a directory type, an unknown type, existing names. */
	CHECK_ERRNO(mknod("dir", S_IFDIR | 0755, 0), -1, EPERM);
	CHECK_ERRNO(mknod("bad", 0170000 | 0644, 0), -1, EINVAL);
	CHECK_ERRNO(mknod("fifo", S_IFIFO | 0644, 0), -1, EEXIST);
	CHECK_ERRNO(mknod("nodir/x", S_IFIFO | 0644, 0), -1, ENOENT);
	CHECK_ERRNO(mknod("x/", S_IFIFO | 0644, 0), -1, ENOENT);

	/* mknodat relative to a directory. */
	int dfd;
	ASSERT_OK(mkdir("d", 0755));
	ASSERT_OK(dfd = open("d", O_RDONLY | O_DIRECTORY));
	CHECK_EQ(mknodat(dfd, "f", S_IFIFO | 0640, 0), 0);
	CHECK_OK(fstatat(dfd, "f", &st, 0));
	CHECK_EQ(S_ISFIFO(st.st_mode), 1);
	close(dfd);

	/* A child without CAP_MKNOD may not make device nodes. */
	pid_t pid = test_fork();
	if (pid == 0) {
		if (setresuid(65534, 65534, 65534))
			FATAL("setresuid: errno %d", errno);
		if (chdir("/tmp"))
			FATAL("chdir");
		CHECK_ERRNO(mknod("moat-never-made", S_IFCHR | 0666, makedev(1, 3)), -1, EPERM);
		child_exit();
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);

	cleanup_dir();
	return test_done();
}
