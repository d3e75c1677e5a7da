//go:build ignore

/*
 * proc_ns: /proc/[pid]/ns links name the namespaces ("mnt:[N]"); stat
 * through a link gives the namespace's inode number N, the same for
 * processes in one namespace. unshare(CLONE_NEWNS) gives a new mnt link
 * and leaves the others; setns(2) with an open ns file, or with a pidfd,
 * joins a mount namespace again (its mounts become visible, the caller's
 * root is the namespace's); wrong types, non-namespace files and the
 * caller's own user namespace are EINVAL. The nsfs ioctls tell a
 * namespace's type and its owning user namespace.
 */
#include "testutil.h"
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static const char *types[] = {"cgroup", "ipc", "mnt", "net", "pid", "pid_for_children",
			      "time", "time_for_children", "user", "uts"};
#define NTYPES (int)(sizeof types / sizeof types[0])

/* link_ino reads /proc/PID/ns/TYPE, checks its form and returns N. */
static unsigned long link_ino(const char *pid, const char *type)
{
	char path[128], target[128], want[64];
	snprintf(path, sizeof path, "/proc/%s/ns/%s", pid, type);
	ssize_t n = readlink(path, target, sizeof target - 1);
	if (n <= 0) {
		FAIL("readlink %s: errno %d", path, errno);
		return 0;
	}
	target[n] = 0;
	const char *kind = type;
	if (strcmp(type, "pid_for_children") == 0)
		kind = "pid";
	if (strcmp(type, "time_for_children") == 0)
		kind = "time";
	snprintf(want, sizeof want, "%s:[", kind);
	if (strncmp(target, want, strlen(want)) != 0 || target[n - 1] != ']') {
		FAIL("%s -> %s", path, target);
		return 0;
	}
	unsigned long ino = strtoul(target + strlen(want), NULL, 10);
	struct stat st;
	if (stat(path, &st) != 0) {
		FAIL("stat %s: errno %d", path, errno);
		return 0;
	}
	if (st.st_ino != ino || !S_ISREG(st.st_mode))
		FAIL("stat %s: ino %lu mode %o, want ino %lu, a regular file", path,
		     (unsigned long)st.st_ino, st.st_mode, ino);
	return ino;
}

int main(void)
{
	unsigned long self[NTYPES];
	for (int i = 0; i < NTYPES; i++) {
		self[i] = link_ino("self", types[i]);
		CHECK(self[i] != 0);
	}
	/* The directory lists exactly the types. */
	DIR *d = opendir("/proc/self/ns");
	ASSERT_NE(d, NULL);
	int seen = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		int found = 0;
		for (int i = 0; i < NTYPES; i++)
			found |= strcmp(e->d_name, types[i]) == 0;
		CHECK(found);
		seen++;
	}
	closedir(d);
	CHECK_EQ(seen, NTYPES);
	/* Reading a namespace file is EINVAL. */
	int self_mnt = open("/proc/self/ns/mnt", O_RDONLY);
	ASSERT_GE(self_mnt, 0);
	char c;
	CHECK_ERRNO(read(self_mnt, &c, 1), -1, EINVAL);

	/* ioctl_nsfs(2): the type, the owning user namespace, parents. */
	CHECK_EQ(ioctl(self_mnt, NS_GET_NSTYPE), CLONE_NEWNS);
	int owner = ioctl(self_mnt, NS_GET_USERNS);
	CHECK(owner >= 0);
	struct stat ost;
	CHECK_OK(fstat(owner, &ost));
	CHECK_EQ(ost.st_ino, self[8]);
	CHECK_EQ(ioctl(owner, NS_GET_NSTYPE), CLONE_NEWUSER);
	CHECK_ERRNO(ioctl(owner, NS_GET_USERNS), -1, EPERM);
	uid_t ouid = 99;
	CHECK_OK(ioctl(owner, NS_GET_OWNER_UID, &ouid));
	CHECK_EQ(ouid, 0);
	CHECK_ERRNO(ioctl(self_mnt, NS_GET_OWNER_UID, &ouid), -1, EINVAL);
	CHECK_ERRNO(ioctl(self_mnt, NS_GET_PARENT), -1, EINVAL);
	int pidns = open("/proc/self/ns/pid", O_RDONLY);
	CHECK_ERRNO(ioctl(pidns, NS_GET_PARENT), -1, EPERM);
	close(pidns);
	close(owner);

	/* Wrong type, a file that is no namespace, our own user namespace. */
	CHECK_ERRNO(setns(self_mnt, CLONE_NEWNET), -1, EINVAL);
	int notns = open("/proc/self/status", O_RDONLY);
	CHECK_ERRNO(setns(notns, 0), -1, EINVAL);
	close(notns);
	int user = open("/proc/self/ns/user", O_RDONLY);
	CHECK_ERRNO(setns(user, CLONE_NEWUSER), -1, EINVAL);
	close(user);
	CHECK_ERRNO(setns(1000, 0), -1, EBADF);

	setup_dir();
	pid_t parent = getpid();
	int pidfd = syscall(SYS_pidfd_open, parent, 0);
	ASSERT_GE(pidfd, 0);
	pid_t pid = test_fork();
	if (pid == 0) {
		char me[16];
		snprintf(me, sizeof me, "%d", getpid());
		/* A child starts in its parent's namespaces. */
		for (int i = 0; i < NTYPES; i++)
			CHECK_EQ(link_ino(me, types[i]), self[i]);
		/* A new mount namespace: only mnt changes, and a tmpfs
		 * mounted there is not seen from the parent's. */
		CHECK_OK(unshare(CLONE_NEWNS));
		CHECK_OK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
		for (int i = 0; i < NTYPES; i++) {
			unsigned long ino = link_ino("self", types[i]);
			if (strcmp(types[i], "mnt") == 0)
				CHECK(ino != self[i]);
			else
				CHECK_EQ(ino, self[i]);
		}
		unsigned long mine = link_ino("self", "mnt");
		CHECK_OK(mount("t", tdir, "tmpfs", 0, NULL));
		char f[128];
		snprintf(f, sizeof f, "%s/only-here", tdir);
		CHECK_OK(close(open(f, O_CREAT | O_WRONLY, 0600)));
		int mine_fd = open("/proc/self/ns/mnt", O_RDONLY);
		CHECK(mine_fd >= 0);

		/* Back to the parent's namespace by its ns file. */
		CHECK_OK(setns(self_mnt, CLONE_NEWNS));
		CHECK_EQ(link_ino("self", "mnt"), self[2]);
		struct stat st;
		CHECK_ERRNO(stat(f, &st), -1, ENOENT);
		char cwd[256];
		CHECK(getcwd(cwd, sizeof cwd) != NULL);
		CHECK_STREQ(cwd, "/");

		/* Into ours again: the open file kept it alive. */
		CHECK_OK(setns(mine_fd, 0));
		CHECK_EQ(link_ino("self", "mnt"), mine);
		CHECK_OK(stat(f, &st));

		/* And by the parent's pidfd. */
		CHECK_ERRNO(setns(pidfd, 0), -1, EINVAL);
		CHECK_OK(setns(pidfd, CLONE_NEWNS | CLONE_NEWUTS));
		CHECK_EQ(link_ino("self", "mnt"), self[2]);
		CHECK_ERRNO(stat(f, &st), -1, ENOENT);
		child_exit();
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	close(pidfd);
	close(self_mnt);
	cleanup_dir();
	return test_done();
}
