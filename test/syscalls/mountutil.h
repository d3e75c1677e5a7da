/*
 * mountutil.h: helpers of the mount tests, on top of testutil.h.
 *
 * enter_private_mount_ns moves the test into a mount namespace of its own
 * whose mounts are all private, so that what it mounts never reaches the
 * host's (natively) or the sandbox's other mounts. path_in joins a
 * directory and a name into a static buffer (one at a time). mkdir_in
 * makes a directory in tdir. dev_of is the device of a path, or -1. mountinfo_line finds the mountinfo line
 * whose mount point is path. setup_abc starts a test in a private mount
 * namespace with directories a, b and c in tdir, a tmpfs on a, and a
 * directory x in it.
 */
#ifndef MOAT_MOUNTUTIL_H
#define MOAT_MOUNTUTIL_H

#include "testutil.h"
#include <sched.h>
#include <sys/mount.h>

__attribute__((unused)) static void enter_private_mount_ns(void)
{
	if (unshare(CLONE_NEWNS))
		FATAL("unshare(CLONE_NEWNS): errno %d", errno);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		FATAL("make / private: errno %d", errno);
}

__attribute__((unused)) static const char *path_in(const char *dir, const char *name)
{
	static char p[512];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	return p;
}

/* mkdir_in makes directory name in tdir and puts its path in out. */
__attribute__((unused)) static void mkdir_in(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", tdir, name);
	if (mkdir(out, 0755))
		FATAL("mkdir %s: errno %d", out, errno);
}

__attribute__((unused)) static void setup_abc(char *a, char *b, char *c, size_t size)
{
	setup_dir();
	enter_private_mount_ns();
	mkdir_in(a, size, "a");
	mkdir_in(b, size, "b");
	mkdir_in(c, size, "c");
	ASSERT_OK(mount("a", a, "tmpfs", 0, NULL));
	ASSERT_OK(mkdir(path_in(a, "x"), 0755));
}

__attribute__((unused)) static dev_t dev_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? st.st_dev : (dev_t)-1;
}

/*
 * mountinfo_line copies into out the line of /proc/self/mountinfo for
 * the mount at path (the last one, if several are stacked there) and
 * returns 1, or returns 0 if there is none.
 */
__attribute__((unused)) static int mountinfo_line(const char *path, char *out, int size)
{
	static char buf[65536];
	if (read_text("/proc/self/mountinfo", buf, sizeof buf) < 0)
		return 0;
	char want[600];
	snprintf(want, sizeof want, " %s ", path);
	int found = 0;
	for (char *line = buf, *end; *line; line = end + 1) {
		end = strchr(line, '\n');
		if (!end)
			end = line + strlen(line);
		/* The mount point is the fifth field. */
		char *f = line;
		for (int i = 0; i < 4 && f < end; i++) {
			f = memchr(f, ' ', end - f);
			if (!f)
				break;
			f++;
		}
		if (f && f < end && strncmp(f - 1, want, strlen(want)) == 0) {
			int n = end - line < size - 1 ? end - line : size - 1;
			memcpy(out, line, n);
			out[n] = 0;
			found = 1;
		}
		if (!*end)
			break;
	}
	return found;
}

#endif /* MOAT_MOUNTUTIL_H */
