//go:build ignore

/*
 * fs_mount_propagation: shared subtrees (mount_namespaces(7)). A mount
 * under a shared mount appears under its peers (a bind mount of it, its
 * copy in a new mount namespace) and its slaves, and its unmount goes
 * with it; a slave's own mounts do not go back; private and unbindable
 * mounts propagate nothing, and an unbindable one cannot be bound.
 * mountinfo shows shared:N and master:N.
 */
#include "mountutil.h"

static char a[128], b[128], c[128];

/* optional returns the optional fields of path's line in mountinfo
 * ("" for none, "?" if it is not a mount point). */
static const char *optional(const char *path)
{
	static char out[128];
	char line[1024];
	if (!mountinfo_line(path, line, sizeof line))
		return "?";
	/* ID PARENT MAJ:MIN ROOT POINT OPTIONS [optional...] - ... */
	char *s = line;
	for (int i = 0; i < 6 && s; i++) {
		s = strchr(s, ' ');
		if (s)
			s++;
	}
	char *dash = s ? strstr(s, "- ") : NULL;
	if (!dash)
		return "?";
	int n = dash - s > 0 ? (int)(dash - s) - 1 : 0;
	snprintf(out, sizeof out, "%.*s", n, s);
	return out;
}

int main(void)
{
	setup_abc(a, b, c, sizeof a);
	ASSERT_OK(mkdir(path_in(a, "y"), 0755));
	CHECK_STREQ(optional(a), "");

	/* Argument checks. */
	CHECK_ERRNO(mount(NULL, a, NULL, MS_SHARED | MS_PRIVATE, NULL), -1, EINVAL);
	CHECK_ERRNO(mount(NULL, path_in(a, "x"), NULL, MS_SHARED, NULL), -1, EINVAL);

	/* A shared mount and a bind mount of it are peers. */
	CHECK_OK(mount(NULL, a, NULL, MS_SHARED, NULL));
	char shared_a[64];
	snprintf(shared_a, sizeof shared_a, "%s", optional(a));
	CHECK(strncmp(shared_a, "shared:", 7) == 0);
	CHECK_OK(mount(a, b, NULL, MS_BIND, NULL));
	CHECK_STREQ(optional(b), shared_a);

	/* A mount under one appears under the other, and goes with it. */
	CHECK_OK(mount("x", path_in(a, "x"), "tmpfs", 0, NULL));
	CHECK(dev_of(path_in(b, "x")) == dev_of(path_in(a, "x")));
	CHECK(dev_of(path_in(b, "x")) != dev_of(b));
	CHECK_OK(close(open(path_in(a, "x/f"), O_CREAT | O_WRONLY, 0600)));
	struct stat st;
	CHECK_OK(stat(path_in(b, "x/f"), &st));
	CHECK(strncmp(optional(path_in(b, "x")), "shared:", 7) == 0);
	CHECK_OK(umount(path_in(a, "x")));
	CHECK(dev_of(path_in(b, "x")) == dev_of(b));
	CHECK_STREQ(optional(path_in(b, "x")), "?");

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
		CHECK(dev_of(path_in(a, "x")) != dev_of(a));
		CHECK_OK(stat(path_in(a, "x/g"), &st));
		child_exit();
	}
	char ch;
	CHECK_EQ(read(go[0], &ch, 1), 1);
	CHECK_OK(mount("x", path_in(a, "x"), "tmpfs", 0, NULL));
	CHECK_OK(close(open(path_in(a, "x/g"), O_CREAT | O_WRONLY, 0600)));
	CHECK_EQ(write(done[1], "d", 1), 1);
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	CHECK_OK(umount(path_in(a, "x")));

	/* A slave receives from its master's group; its own mounts stay. */
	CHECK_OK(mount(NULL, b, NULL, MS_SLAVE, NULL));
	char master[64];
	snprintf(master, sizeof master, "master:%s", shared_a + 7);
	CHECK_STREQ(optional(b), master);
	CHECK_OK(mount("x", path_in(a, "x"), "tmpfs", 0, NULL));
	CHECK(dev_of(path_in(b, "x")) != dev_of(b));
	CHECK_OK(mount("y", path_in(b, "y"), "tmpfs", 0, NULL));
	CHECK(dev_of(path_in(a, "y")) == dev_of(a));
	CHECK_OK(umount(path_in(b, "y")));
	CHECK_OK(umount(path_in(a, "x")));
	CHECK(dev_of(path_in(b, "x")) == dev_of(b));

	/* Private: nothing propagates any more. */
	CHECK_OK(mount(NULL, a, NULL, MS_PRIVATE, NULL));
	CHECK_STREQ(optional(a), "");
	CHECK_OK(mount("x", path_in(a, "x"), "tmpfs", 0, NULL));
	CHECK(dev_of(path_in(b, "x")) == dev_of(b));
	CHECK_OK(umount(path_in(a, "x")));

	/* Unbindable: no bind mount of it. */
	CHECK_OK(mount(NULL, a, NULL, MS_UNBINDABLE, NULL));
	CHECK_ERRNO(mount(a, c, NULL, MS_BIND, NULL), -1, EINVAL);

	CHECK_OK(umount(b));
	CHECK_OK(umount(a));
	cleanup_dir();
	return test_done();
}
