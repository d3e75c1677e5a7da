//go:build ignore

/*
 * fs_mount_propagation: shared subtrees (mount_namespaces(7)). A mount
 * under a shared mount appears under its peers (a bind mount of it, its
 * copy in a new mount namespace) and its slaves, and its unmount goes
 * with it; a slave's own mounts do not go back; private and unbindable
 * mounts propagate nothing, and an unbindable one cannot be bound.
 * mountinfo shows shared:N and master:N.
 */
#include "testutil.h"
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

static char a[128], b[128], c[128], p[256];

static const char *at(const char *dir, const char *name)
{
	snprintf(p, sizeof p, "%s/%s", dir, name);
	return p;
}

/* optional returns the optional fields of path's line in mountinfo
 * ("" for none, "?" if it is not a mount point). */
static const char *optional(const char *path)
{
	static char out[128];
	char buf[32768];
	int fd = open("/proc/self/mountinfo", O_RDONLY);
	int n = 0, r;
	while (fd >= 0 && n < (int)sizeof buf - 1 && (r = read(fd, buf + n, sizeof buf - 1 - n)) > 0)
		n += r;
	close(fd);
	buf[n] = 0;
	strcpy(out, "?");
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		/* ID PARENT MAJ:MIN ROOT POINT OPTS [optional...] - ... */
		char *f[6], *s = line;
		for (int i = 0; i < 6 && s; i++) {
			f[i] = s;
			s = strchr(s, ' ');
			if (s)
				*s++ = 0;
		}
		if (!s || strcmp(f[4], path) != 0)
			continue;
		char *dash = strstr(s, "- ");
		if (!dash)
			continue;
		dash[dash > s ? -1 : 0] = 0;
		snprintf(out, sizeof out, "%s", dash > s ? s : "");
	}
	return out;
}

static dev_t dev_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? st.st_dev : (dev_t)-1;
}

int main(void)
{
	setup_dir();
	ASSERT_OK(unshare(CLONE_NEWNS));
	ASSERT_OK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	snprintf(a, sizeof a, "%s/a", tdir);
	snprintf(b, sizeof b, "%s/b", tdir);
	snprintf(c, sizeof c, "%s/c", tdir);
	ASSERT_OK(mkdir(a, 0755));
	ASSERT_OK(mkdir(b, 0755));
	ASSERT_OK(mkdir(c, 0755));
	ASSERT_OK(mount("a", a, "tmpfs", 0, NULL));
	ASSERT_OK(mkdir(at(a, "x"), 0755));
	ASSERT_OK(mkdir(at(a, "y"), 0755));
	CHECK_STREQ(optional(a), "");

	/* Argument checks. */
	CHECK_ERRNO(mount(NULL, a, NULL, MS_SHARED | MS_PRIVATE, NULL), -1, EINVAL);
	CHECK_ERRNO(mount(NULL, at(a, "x"), NULL, MS_SHARED, NULL), -1, EINVAL);

	/* A shared mount and a bind mount of it are peers. */
	CHECK_OK(mount(NULL, a, NULL, MS_SHARED, NULL));
	char shared_a[64];
	snprintf(shared_a, sizeof shared_a, "%s", optional(a));
	CHECK(strncmp(shared_a, "shared:", 7) == 0);
	CHECK_OK(mount(a, b, NULL, MS_BIND, NULL));
	CHECK_STREQ(optional(b), shared_a);

	/* A mount under one appears under the other, and goes with it. */
	CHECK_OK(mount("x", at(a, "x"), "tmpfs", 0, NULL));
	CHECK(dev_of(at(b, "x")) == dev_of(at(a, "x")));
	CHECK(dev_of(at(b, "x")) != dev_of(b));
	CHECK_OK(close(open(at(a, "x/f"), O_CREAT | O_WRONLY, 0600)));
	struct stat st;
	CHECK_OK(stat(at(b, "x/f"), &st));
	snprintf(p, sizeof p, "%s/x", b);
	CHECK(strncmp(optional(p), "shared:", 7) == 0);
	CHECK_OK(umount(at(a, "x")));
	CHECK(dev_of(at(b, "x")) == dev_of(b));
	CHECK_STREQ(optional(p), "?");

	/* A copy in a new mount namespace is a peer too. */
	int go[2], done[2];
	ASSERT_OK(pipe(go));
	ASSERT_OK(pipe(done));
	pid_t pid = test_fork();
	if (pid == 0) {
		char ch;
		CHECK_OK(unshare(CLONE_NEWNS));
		CHECK_EQ(write(go[1], "r", 1), 1);
		CHECK_EQ(read(done[0], &ch, 1), 1);
		CHECK(dev_of(at(a, "x")) != dev_of(a));
		CHECK_OK(stat(at(a, "x/g"), &st));
		child_exit();
	}
	char ch;
	CHECK_EQ(read(go[0], &ch, 1), 1);
	CHECK_OK(mount("x", at(a, "x"), "tmpfs", 0, NULL));
	CHECK_OK(close(open(at(a, "x/g"), O_CREAT | O_WRONLY, 0600)));
	CHECK_EQ(write(done[1], "d", 1), 1);
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	CHECK_OK(umount(at(a, "x")));

	/* A slave receives from its master's group; its own mounts stay. */
	CHECK_OK(mount(NULL, b, NULL, MS_SLAVE, NULL));
	char master[64];
	snprintf(master, sizeof master, "master:%s", shared_a + 7);
	CHECK_STREQ(optional(b), master);
	CHECK_OK(mount("x", at(a, "x"), "tmpfs", 0, NULL));
	CHECK(dev_of(at(b, "x")) != dev_of(b));
	CHECK_OK(mount("y", at(b, "y"), "tmpfs", 0, NULL));
	CHECK(dev_of(at(a, "y")) == dev_of(a));
	CHECK_OK(umount(at(b, "y")));
	CHECK_OK(umount(at(a, "x")));
	CHECK(dev_of(at(b, "x")) == dev_of(b));

	/* Private: nothing propagates any more. */
	CHECK_OK(mount(NULL, a, NULL, MS_PRIVATE, NULL));
	CHECK_STREQ(optional(a), "");
	CHECK_OK(mount("x", at(a, "x"), "tmpfs", 0, NULL));
	CHECK(dev_of(at(b, "x")) == dev_of(b));
	CHECK_OK(umount(at(a, "x")));

	/* Unbindable: no bind mount of it. */
	CHECK_OK(mount(NULL, a, NULL, MS_UNBINDABLE, NULL));
	CHECK_ERRNO(mount(a, c, NULL, MS_BIND, NULL), -1, EINVAL);

	CHECK_OK(umount(b));
	CHECK_OK(umount(a));
	cleanup_dir();
	return test_done();
}
