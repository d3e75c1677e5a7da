//go:build ignore

/* Per-mount flags: MS_NOEXEC, MS_NODEV, MS_RDONLY on a tmpfs in a private
 * mount namespace, how /proc/self/mountinfo and /proc/self/mounts show
 * them, remounts (MS_REMOUNT|MS_BIND and a plain MS_REMOUNT) changing
 * them, and bind mounts inheriting them. */
#include "testutil.h"
#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>

static char tdir[64], mdir[80], bdir[80];

/* opts_of finds the mount at path in file (mountinfo: per-mount options
 * are field 6; mounts: field 4) and copies its options to out. */
static int opts_of(const char *file, const char *path, int info, char *out, size_t n)
{
	static char buf[1 << 16];
	int fd = open(file, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t len = 0, r;
	while ((r = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += r;
	close(fd);
	buf[len] = 0;
	int found = -1;
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		char *f[7] = {0};
		int i = 0;
		char *save;
		for (char *w = strtok_r(line, " ", &save); w && i < 7; w = strtok_r(NULL, " ", &save))
			f[i++] = w;
		const char *point = info ? f[4] : f[1];
		const char *opts = info ? f[5] : f[3];
		if (point && opts && strcmp(point, path) == 0) {
			/* The last mount on a point is the visible one. */
			snprintf(out, n, "%s", opts);
			found = 0;
		}
	}
	return found;
}

/* run_script forks and execs path; returns the wait status, or 0x10000 +
 * errno when execve failed. */
static int run_script(const char *path)
{
	pid_t pid = fork();
	if (pid == 0) {
		char *argv[] = {(char *)path, NULL};
		char *envp[] = {NULL};
		execve(path, argv, envp);
		_exit(100 + (errno & 0x7f));
	}
	int st;
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return st;
}

int main(void)
{
	char opts[256], script[96], dev[96], fifo[96], newf[96];
	struct stat st;
	int fd;

	ASSERT_OK(unshare(CLONE_NEWNS));
	ASSERT_OK(mount("", "/", NULL, MS_REC | MS_PRIVATE, NULL));
	strcpy(tdir, "/tmp/moat-test-XXXXXX");
	ASSERT_NE(mkdtemp(tdir), NULL);
	snprintf(mdir, sizeof(mdir), "%s/m", tdir);
	snprintf(bdir, sizeof(bdir), "%s/b", tdir);
	ASSERT_OK(mkdir(mdir, 0755));
	ASSERT_OK(mkdir(bdir, 0755));
	snprintf(script, sizeof(script), "%s/prog", mdir);
	snprintf(dev, sizeof(dev), "%s/null", mdir);
	snprintf(fifo, sizeof(fifo), "%s/fifo", mdir);
	snprintf(newf, sizeof(newf), "%s/new", mdir);

	ASSERT_OK(mount("none", mdir, "tmpfs", MS_NOEXEC | MS_NODEV | MS_NOSUID, "mode=0755"));
	CHECK_OK(opts_of("/proc/self/mountinfo", mdir, 1, opts, sizeof(opts)));
	CHECK_STREQ(opts, "rw,nosuid,nodev,noexec,relatime");
	CHECK_OK(opts_of("/proc/self/mounts", mdir, 0, opts, sizeof(opts)));
	CHECK_EQ(strncmp(opts, "rw,nosuid,nodev,noexec,relatime", 31), 0);
	struct statvfs sv;
	CHECK_OK(statvfs(mdir, &sv));
	CHECK_EQ(sv.f_flag & (ST_NOEXEC | ST_NODEV | ST_NOSUID | ST_RDONLY), ST_NOEXEC | ST_NODEV | ST_NOSUID);

	ASSERT_OK(fd = open(script, O_CREAT | O_WRONLY, 0755));
	ASSERT_EQ(write(fd, "#!/bin/sh\nexit 7\n", 17), 17);
	close(fd);
	/* noexec: execve and access(X_OK) fail with EACCES even for root. */
	int s = run_script(script);
	CHECK_EQ(s, 0x100 * (100 + EACCES));
	CHECK_ERRNO(access(script, X_OK), -1, EACCES);
	CHECK_ERRNO(syscall(SYS_faccessat2, AT_FDCWD, script, X_OK, AT_EACCESS), -1, EACCES);
	CHECK_OK(access(script, R_OK | W_OK));
	/* A directory's search bit is not execution. */
	CHECK_OK(access(mdir, X_OK));
	/* execveat of an open file of the mount fails too. */
	ASSERT_OK(fd = open(script, O_RDONLY));
	char *argv[] = {"prog", NULL};
	char *envp[] = {NULL};
	CHECK_ERRNO(syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH), -1, EACCES);
	/* mmap with PROT_EXEC: EPERM; mprotect to add it later: EACCES. */
	CHECK_EQ(mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0), MAP_FAILED);
	CHECK_EQ(errno, EPERM);
	void *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK_NE(p, MAP_FAILED);
	if (p != MAP_FAILED) {
		CHECK_ERRNO(mprotect(p, 4096, PROT_READ | PROT_EXEC), -1, EACCES);
		CHECK_OK(munmap(p, 4096));
	}
	close(fd);

	/* nodev: a device node is a name that cannot be opened, except
	 * with O_PATH; FIFOs are not devices. */
	ASSERT_OK(mknod(dev, S_IFCHR | 0666, makedev(1, 3)));
	CHECK_ERRNO(open(dev, O_RDONLY), -1, EACCES);
	CHECK_ERRNO(open(dev, O_WRONLY), -1, EACCES);
	CHECK_OK(stat(dev, &st));
	CHECK_EQ(st.st_rdev, makedev(1, 3));
	ASSERT_OK(fd = open(dev, O_PATH));
	close(fd);
	ASSERT_OK(mkfifo(fifo, 0644));
	ASSERT_OK(fd = open(fifo, O_RDWR));
	close(fd);

	/* A bind mount copies the flags of the mount it comes from. */
	ASSERT_OK(mount(mdir, bdir, NULL, MS_BIND, NULL));
	CHECK_OK(opts_of("/proc/self/mountinfo", bdir, 1, opts, sizeof(opts)));
	CHECK_STREQ(opts, "rw,nosuid,nodev,noexec,relatime");
	ASSERT_OK(umount(bdir));

	/* MS_REMOUNT|MS_BIND sets exactly the flags given. */
	ASSERT_OK(mount(NULL, mdir, NULL, MS_REMOUNT | MS_BIND, NULL));
	CHECK_OK(opts_of("/proc/self/mountinfo", mdir, 1, opts, sizeof(opts)));
	CHECK_STREQ(opts, "rw,relatime");
	s = run_script(script);
	CHECK_EXITED(s, 7);
	CHECK_OK(access(script, X_OK));
	/* The node now opens as /dev/null, and stats as itself. */
	ASSERT_OK(fd = open(dev, O_RDWR));
	char c;
	CHECK_EQ(read(fd, &c, 1), 0);
	CHECK_EQ(write(fd, "x", 1), 1);
	struct stat fst;
	CHECK_OK(fstat(fd, &fst));
	CHECK_EQ(fst.st_ino, st.st_ino);
	CHECK_EQ(fst.st_rdev, makedev(1, 3));
	close(fd);

	ASSERT_OK(mount(NULL, mdir, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOEXEC, NULL));
	CHECK_OK(opts_of("/proc/self/mountinfo", mdir, 1, opts, sizeof(opts)));
	CHECK_STREQ(opts, "ro,noexec,relatime");
	CHECK_ERRNO(open(newf, O_CREAT | O_WRONLY, 0644), -1, EROFS);
	CHECK_ERRNO(open(script, O_WRONLY), -1, EROFS);
	CHECK_ERRNO(access(script, W_OK), -1, EROFS);
	/* noexec is reported before a read-only mount. */
	CHECK_ERRNO(access(script, W_OK | X_OK), -1, EACCES);
	CHECK_ERRNO(mkdir(newf, 0755), -1, EROFS);
	CHECK_OK(statvfs(mdir, &sv));
	CHECK_EQ(sv.f_flag & (ST_NOEXEC | ST_NODEV | ST_NOSUID | ST_RDONLY), ST_NOEXEC | ST_RDONLY);

	/* A plain MS_REMOUNT, as Go's os/exec test does, changes them too. */
	ASSERT_OK(mount("", mdir, "", MS_REMOUNT, ""));
	CHECK_OK(opts_of("/proc/self/mountinfo", mdir, 1, opts, sizeof(opts)));
	CHECK_STREQ(opts, "rw,relatime");
	CHECK_OK(access(script, X_OK));
	ASSERT_OK(mount("", mdir, "", MS_REMOUNT | MS_NOEXEC, ""));
	CHECK_ERRNO(access(script, X_OK), -1, EACCES);
	s = run_script(script);
	CHECK_EQ(s, 0x100 * (100 + EACCES));

	/* Remounting something that is not a mount root: EINVAL. */
	CHECK_ERRNO(mount(NULL, tdir, NULL, MS_REMOUNT | MS_BIND, NULL), -1, EINVAL);

	ASSERT_OK(umount(mdir));
	CHECK_OK(rmdir(mdir));
	CHECK_OK(rmdir(bdir));
	CHECK_OK(rmdir(tdir));
	return test_done();
}
