//go:build ignore

/* tmpfs mount options: size and nr_inodes limits (ENOSPC, hard links
 * included), statfs counts, mode, uid and gid of the root, and bad
 * options (EINVAL). */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/vfs.h>

int main(void)
{
	struct statfs sf;
	struct stat st;
	char m[96], p[128];
	int fd;
	setup_dir();
	ASSERT_OK(unshare(CLONE_NEWNS));
	ASSERT_OK(mount("", "/", NULL, MS_REC | MS_PRIVATE, NULL));
	snprintf(m, sizeof(m), "%s/m", tdir);
	ASSERT_OK(mkdir(m, 0755));
	ASSERT_OK(mount("none", m, "tmpfs", 0, "nr_inodes=4,size=64k,mode=1733,uid=65534,gid=123"));
	CHECK_OK(stat(m, &st));
	CHECK_EQ(st.st_mode, S_IFDIR | 01733);
	CHECK_EQ(st.st_uid, 65534);
	CHECK_EQ(st.st_gid, 123);
	CHECK_OK(statfs(m, &sf));
	CHECK_EQ(sf.f_files, 4);
	CHECK_EQ(sf.f_ffree, 3);
	CHECK_EQ(sf.f_blocks, 16);
	CHECK_EQ(sf.f_bfree, 16);
	/* The root takes one inode; three more fit. */
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/f%d", m, i);
		ASSERT_OK(fd = open(p, O_CREAT | O_WRONLY, 0644));
		close(fd);
	}
	snprintf(p, sizeof(p), "%s/f3", m);
	CHECK_ERRNO(open(p, O_CREAT | O_WRONLY, 0644), -1, ENOSPC);
	CHECK_ERRNO(mkdir(p, 0755), -1, ENOSPC);
	CHECK_ERRNO(symlink("x", p), -1, ENOSPC);
	CHECK_OK(statfs(m, &sf));
	CHECK_EQ(sf.f_ffree, 0);
	/* On tmpfs each hard link counts against nr_inodes too. */
	char q[128];
	snprintf(q, sizeof(q), "%s/f0", m);
	CHECK_ERRNO(link(q, p), -1, ENOSPC);
	/* Removing frees one. */
	CHECK_OK(unlink(q));
	CHECK_OK(statfs(m, &sf));
	CHECK_EQ(sf.f_ffree, 1);
	CHECK_OK(link(p == NULL ? q : (snprintf(p, sizeof(p), "%s/f1", m), p), q));
	CHECK_OK(statfs(m, &sf));
	CHECK_EQ(sf.f_ffree, 0);
	CHECK_OK(unlink(q));
	ASSERT_OK(fd = open(q, O_CREAT | O_RDWR, 0644));
	/* size=64k: 16 pages of data. */
	static char buf[4096];
	int pages = 0;
	while (write(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf))
		pages++;
	CHECK_EQ(pages, 16);
	CHECK_EQ(errno, ENOSPC);
	CHECK_OK(statfs(m, &sf));
	CHECK_EQ(sf.f_bfree, 0);
	CHECK_OK(ftruncate(fd, 4096));
	CHECK_OK(statfs(m, &sf));
	CHECK_EQ(sf.f_bfree, 15);
	close(fd);
	ASSERT_OK(umount(m));
	/* Bad options. */
	CHECK_ERRNO(mount("none", m, "tmpfs", 0, "size=lots"), -1, EINVAL);
	CHECK_ERRNO(mount("none", m, "tmpfs", 0, "mode=999"), -1, EINVAL);
	CHECK_ERRNO(mount("none", m, "tmpfs", 0, "nr_inodes=-1"), -1, EINVAL);
	/* Suffixes: k, m, g and a percentage of memory. */
	ASSERT_OK(mount("none", m, "tmpfs", 0, "size=1m"));
	CHECK_OK(statfs(m, &sf));
	CHECK_EQ(sf.f_blocks, 256);
	ASSERT_OK(umount(m));
	ASSERT_OK(mount("none", m, "tmpfs", 0, "size=1%"));
	CHECK_OK(statfs(m, &sf));
	CHECK_GT(sf.f_blocks, 0);
	ASSERT_OK(umount(m));
	cleanup_dir();
	return test_done();
}
