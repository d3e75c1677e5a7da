//go:build ignore

/* What root's capabilities override: CAP_DAC_OVERRIDE reads and writes any file and searches any directory, but executes only files with some execute bit; CAP_FOWNER chmods others' files. */
#include "testutil.h"
#include <fcntl.h>
#include <linux/capability.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	int fd;
	setup_dir();
	ASSERT_OK(fd = open("script", O_CREAT | O_WRONLY, 0644));
	ASSERT_EQ(write(fd, "#!/bin/sh\nexit 5\n", 17), 17);
	close(fd);
	ASSERT_OK(chown("script", 65534, 65534));
	ASSERT_OK(chmod("script", 0000));
	/* Read and write despite mode 0. */
	ASSERT_OK(fd = open("script", O_RDWR));
	close(fd);
	CHECK_OK(access("script", R_OK | W_OK));
	/* No execute bit anywhere: root may not execute. */
	CHECK_ERRNO(access("script", X_OK), -1, EACCES);
	char *argv[] = {"script", NULL};
	char *envp[] = {NULL};
	pid_t pid = fork();
	if (pid == 0) {
		execve("script", argv, envp);
		_exit(100 + (errno & 0x7f));
	}
	int st;
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	CHECK_EXITED(st, 100 + EACCES);
	/* One execute bit, any class, is enough. */
	ASSERT_OK(chmod("script", 0001));
	CHECK_OK(access("script", X_OK));
	pid = fork();
	if (pid == 0) {
		execve("script", argv, envp);
		_exit(100 + (errno & 0x7f));
	}
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	CHECK_EXITED(st, 5);
	/* Directories: search and list without any bit. */
	ASSERT_OK(mkdir("d", 0000));
	ASSERT_OK(fd = open("d/inside", O_CREAT | O_WRONLY, 0644));
	close(fd);
	ASSERT_OK(fd = open("d", O_RDONLY | O_DIRECTORY));
	close(fd);
	CHECK_OK(access("d", X_OK));
	/* CAP_FOWNER: chmod of another user's file. */
	CHECK_OK(chmod("script", 0755));
	struct stat sb;
	CHECK_OK(stat("script", &sb));
	CHECK_EQ(sb.st_mode & 07777, 0755);
	/* Without the capabilities (uid 0 kept, effective set emptied), the
	 * bits apply to root too. */
	pid = test_fork();
	if (pid == 0) {
		struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
		struct __user_cap_data_struct d[2];
		memset(d, 0, sizeof(d));
		if (syscall(SYS_capget, &h, d))
			FATAL("capget");
		d[0].effective = 0;
		d[1].effective = 0;
		if (syscall(SYS_capset, &h, d))
			FATAL("capset: errno %d", errno);
		CHECK_ERRNO(open("d/inside", O_RDONLY), -1, EACCES);
		CHECK_ERRNO(chmod("script", 0700), -1, EPERM);
		ASSERT_OK(chmod("d", 0700));
		/* As the owner now with search permission, root gets in. */
		ASSERT_OK(fd = open("d/inside", O_RDONLY));
		close(fd);
		child_exit();
	}
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	ASSERT_OK(chmod("d", 0755));
	cleanup_dir();
	return test_done();
}
