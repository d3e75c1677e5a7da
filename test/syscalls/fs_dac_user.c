//go:build ignore

/* Permission bits for an unprivileged user (uid 65534 in a forked child): the owner class decides alone, read, write, execute and search bits, and open/exec/creat results. */
#include "testutil.h"
#include <fcntl.h>
#include <grp.h>
#include <ftw.h>
#include <sys/stat.h>

static void make(const char *p, mode_t m, uid_t u, gid_t g)
{
	int fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	if (fd < 0)
		FATAL("create %s: errno %d", p, errno);
	if (write(fd, "#!/bin/sh\nexit 3\n", 17) != 17)
		FATAL("write");
	close(fd);
	if (chown(p, u, g) || chmod(p, m))
		FATAL("chown/chmod %s: errno %d", p, errno);
}

static int run(const char *p)
{
	pid_t pid = fork();
	if (pid == 0) {
		char *argv[] = {(char *)p, NULL};
		char *envp[] = {NULL};
		execve(p, argv, envp);
		_exit(100 + (errno & 0x7f));
	}
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int main(void)
{
	setup_dir();
	umask(0);
	ASSERT_OK(chmod(tdir, 0755));
	/* Owned by the test user, but the owner bits deny what others allow:
	 * the owner class alone counts. */
	make("own_none", 0007, 65534, 65534);
	make("own_r", 0400, 65534, 65534);
	make("own_w", 0200, 65534, 65534);
	make("own_x", 0100, 65534, 65534);
	make("own_rx", 0500, 65534, 65534);
	make("grp_r", 0040, 0, 65534);
	make("grp_deny", 0007, 0, 65534);
	make("oth_rwx", 0007, 0, 0);
	make("oth_none", 0770, 0, 0);
	ASSERT_OK(mkdir("d_noexec", 0766));
	ASSERT_OK(mkdir("d_noread", 0733));
	ASSERT_OK(mkdir("d_nowrite", 0555));
	int fd;
	ASSERT_OK(fd = open("d_noexec/f", O_CREAT | O_WRONLY, 0666));
	close(fd);
	ASSERT_OK(fd = open("d_noread/f", O_CREAT | O_WRONLY, 0666));
	close(fd);
	ASSERT_OK(fd = open("d_nowrite/f", O_CREAT | O_WRONLY, 0666));
	close(fd);

	pid_t pid = test_fork();
	if (pid == 0) {
		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			FATAL("drop: errno %d", errno);
		CHECK_ERRNO(open("own_none", O_RDONLY), -1, EACCES);
		CHECK_ERRNO(open("own_none", O_WRONLY), -1, EACCES);
		CHECK_EQ(run("own_none"), 100 + EACCES);
		ASSERT_OK(fd = open("own_r", O_RDONLY));
		close(fd);
		CHECK_ERRNO(open("own_r", O_RDWR), -1, EACCES);
		CHECK_ERRNO(open("own_r", O_RDONLY | O_TRUNC), -1, EACCES);
		ASSERT_OK(fd = open("own_w", O_WRONLY));
		close(fd);
		CHECK_ERRNO(open("own_w", O_RDONLY), -1, EACCES);
		/* A script needs read and execute; a binary only execute. */
		/* execve of an unreadable script succeeds; the shell then
		 * fails to read it (dash exits 2, bash 126). */
		int r = run("own_x");
		CHECK(r == 2 || r == 126);
		CHECK_EQ(run("own_rx"), 3);
		/* The group class applies when the owner is someone else. */
		ASSERT_OK(fd = open("grp_r", O_RDONLY));
		close(fd);
		CHECK_ERRNO(open("grp_deny", O_RDONLY), -1, EACCES);
		ASSERT_OK(fd = open("oth_rwx", O_RDWR));
		close(fd);
		CHECK_EQ(run("oth_rwx"), 3);
		CHECK_ERRNO(open("oth_none", O_RDONLY), -1, EACCES);
		/* The owner may still chmod its file, whatever its mode. */
		CHECK_OK(chmod("own_none", 0600));
		CHECK_ERRNO(chmod("oth_rwx", 0777), -1, EPERM);
		/* Directories: search (x) to reach inside, read to list, write
		 * and search to create. */
		struct stat st;
		CHECK_ERRNO(stat("d_noexec/f", &st), -1, EACCES);
		CHECK_ERRNO(open("d_noexec/g", O_CREAT | O_WRONLY, 0644), -1, EACCES);
		ASSERT_OK(fd = open("d_noexec", O_RDONLY | O_DIRECTORY));
		close(fd);
		CHECK_OK(stat("d_noread/f", &st));
		CHECK_ERRNO(open("d_noread", O_RDONLY | O_DIRECTORY), -1, EACCES);
		ASSERT_OK(fd = open("d_noread/g", O_CREAT | O_WRONLY, 0644));
		close(fd);
		CHECK_ERRNO(open("d_nowrite/g", O_CREAT | O_WRONLY, 0644), -1, EACCES);
		CHECK_ERRNO(unlink("d_nowrite/f"), -1, EACCES);
		/* Writing an existing file needs only the file's permission. */
		ASSERT_OK(fd = open("d_nowrite/f", O_WRONLY));
		close(fd);
		child_exit();
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	cleanup_dir();
	return test_done();
}
