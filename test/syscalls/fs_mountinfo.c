//go:build ignore

/* /proc/self/mountinfo format: ten or more fields per line with the
 * optional fields ended by a lone dash, unique mount IDs whose parents
 * exist, the root mount, a new tmpfs mount's line, and the root field of
 * bind mounts of subdirectories. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/sysmacros.h>

static char buf[1 << 17];

static int slurp(const char *p)
{
	int fd = open(p, O_RDONLY);
	if (fd < 0)
		return -1;
	int len = 0, r;
	while ((r = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += r;
	close(fd);
	buf[len] = 0;
	return len;
}

int main(void)
{
	char pat[160];
	setup_dir();
	ASSERT_OK(unshare(CLONE_NEWNS));
	ASSERT_OK(mount("", "/", NULL, MS_REC | MS_PRIVATE, NULL));
	ASSERT_OK(mount("moat-src", tdir, "tmpfs", MS_NODEV, "size=1m"));
	struct stat st;
	ASSERT_OK(stat(tdir, &st));
	ASSERT_GT(slurp("/proc/self/mountinfo"), 0);
	int ids[512], parents[512], n = 0, root_seen = 0, mine = 0;
	char *save;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[32];
		int nf = 0;
		char *s2;
		for (char *w = strtok_r(line, " ", &s2); w && nf < 32; w = strtok_r(NULL, " ", &s2))
			f[nf++] = w;
		ASSERT_GE(nf, 10);
		int dash = -1;
		for (int i = 6; i < nf; i++)
			if (strcmp(f[i], "-") == 0) {
				dash = i;
				break;
			}
		ASSERT_GE(dash, 6);
		/* Three fields follow the dash: type, source, super options. */
		CHECK_EQ(nf - dash, 4);
		if (n >= 512)
			FATAL("too many mounts");
		ids[n] = atoi(f[0]);
		parents[n] = atoi(f[1]);
		unsigned maj, min;
		CHECK_EQ(sscanf(f[2], "%u:%u", &maj, &min), 2);
		/* The root within its filesystem: a path, or for a bind mount
		 * of a namespace file (nsfs, as ip netns and container
		 * runtimes make) "net:[inode]". */
		CHECK(f[3][0] == '/' || (strstr(f[3], ":[") && f[3][strlen(f[3]) - 1] == ']'));
		CHECK_EQ(f[4][0], '/');
		CHECK(strncmp(f[5], "rw", 2) == 0 || strncmp(f[5], "ro", 2) == 0);
		if (strcmp(f[4], "/") == 0)
			root_seen++;
		if (strcmp(f[4], tdir) == 0) {
			mine++;
			CHECK_STREQ(f[3], "/");
			CHECK_STREQ(f[5], "rw,nodev,relatime");
			CHECK_STREQ(f[dash + 1], "tmpfs");
			CHECK_STREQ(f[dash + 2], "moat-src");
			CHECK_EQ(strncmp(f[dash + 3], "rw", 2), 0);
			CHECK_EQ(makedev(maj, min), st.st_dev);
		}
		n++;
	}
	CHECK_GE(root_seen, 1);
	CHECK_EQ(mine, 1);
	/* IDs are unique; every parent is a listed mount (the root's parent
	 * may lie outside the namespace). */
	int orphans = 0;
	for (int i = 0; i < n; i++) {
		int found = 0;
		for (int j = 0; j < n; j++) {
			if (i != j && ids[i] == ids[j])
				FAIL("mount id %d twice", ids[i]);
			if (parents[i] == ids[j])
				found = 1;
		}
		if (!found)
			orphans++;
	}
	CHECK_EQ(orphans, 1);
	/* A bind mount of a subdirectory shows that directory as its root
	 * (field 4), and the same device. */
	char sub[96], bind[96];
	snprintf(sub, sizeof(sub), "%s/s/t", tdir);
	snprintf(bind, sizeof(bind), "%s/b", tdir);
	snprintf(pat, sizeof(pat), "%s/s", tdir);
	ASSERT_OK(mkdir(pat, 0755));
	ASSERT_OK(mkdir(sub, 0755));
	ASSERT_OK(mkdir(bind, 0755));
	ASSERT_OK(mount(sub, bind, NULL, MS_BIND, NULL));
	ASSERT_GT(slurp("/proc/self/mountinfo"), 0);
	snprintf(pat, sizeof(pat), " /s/t %s rw,nodev,relatime - tmpfs moat-src ", bind);
	CHECK(strstr(buf, pat) != NULL);
	/* A bind of a bind keeps the path from the filesystem's root. */
	snprintf(pat, sizeof(pat), "%s/u", sub);
	ASSERT_OK(mkdir(pat, 0755));
	char bind2[96];
	snprintf(bind2, sizeof(bind2), "%s/b2", tdir);
	ASSERT_OK(mkdir(bind2, 0755));
	snprintf(pat, sizeof(pat), "%s/u", bind);
	ASSERT_OK(mount(pat, bind2, NULL, MS_BIND, NULL));
	ASSERT_GT(slurp("/proc/self/mountinfo"), 0);
	snprintf(pat, sizeof(pat), " /s/t/u %s ", bind2);
	CHECK(strstr(buf, pat) != NULL);
	ASSERT_OK(umount(bind2));
	ASSERT_OK(umount(bind));
	/* Once unmounted, the line is gone. */
	ASSERT_OK(umount(tdir));
	ASSERT_GT(slurp("/proc/self/mountinfo"), 0);
	snprintf(pat, sizeof(pat), " %s ", tdir);
	CHECK(strstr(buf, pat) == NULL);
	cleanup_dir();
	return test_done();
}
