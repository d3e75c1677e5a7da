//go:build ignore

/*
 * fs_mknod_tty: a character node made with mknod(2) for (5,0) opens the
 * same driver as /dev/tty: the caller's controlling terminal, ENXIO for a
 * process that has none. fstat shows the node's own inode.
 */
#include "mountutil.h"
#include <stdlib.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

int main(void)
{
	setup_dir();
	/* /tmp may be nodev (it is under runsc do): mount a tmpfs of our
	 * own, in a mount namespace of our own so that the host sees
	 * nothing of it. */
	enter_private_mount_ns();
	ASSERT_OK(mount("t", tdir, "tmpfs", 0, NULL));
	char tty[128];
	snprintf(tty, sizeof tty, "%s/tty", tdir);
	ASSERT_EQ(mknod(tty, S_IFCHR | 0600, makedev(5, 0)), 0);

	/* A pseudoterminal pair from /dev/ptmx, whose slave becomes the
	 * controlling terminal of a new session. */
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	ASSERT_GE(m, 0);
	CHECK_EQ(grantpt(m), 0);
	CHECK_EQ(unlockpt(m), 0);
	int s = open(ptsname(m), O_RDWR | O_NOCTTY);
	ASSERT_GE(s, 0);
	struct stat st;
	char buf[8] = {0};

	/* (5,0) in a new session, which has no controlling terminal yet:
	 * ENXIO. Once the session takes the slave as its terminal, the node
	 * opens it: what is written there reaches the master. */
	pid_t pid = test_fork();
	if (pid == 0) {
		CHECK(setsid() > 0);
		CHECK_ERRNO(open(tty, O_RDWR), -1, ENXIO);
		CHECK_EQ(ioctl(s, TIOCSCTTY, 0), 0);
		int t = open(tty, O_RDWR);
		CHECK(t >= 0);
		CHECK_EQ(fstat(t, &st), 0);
		CHECK_EQ(st.st_rdev, makedev(5, 0));
		CHECK_EQ(st.st_mode, S_IFCHR | 0600);
		struct stat node;
		CHECK_EQ(stat(tty, &node), 0);
		CHECK_EQ(st.st_ino, node.st_ino);
		CHECK_EQ(write(t, "yo", 2), 2);
		child_exit();
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	memset(buf, 0, sizeof buf);
	struct pollfd p = {m, POLLIN, 0};
	CHECK_EQ(poll(&p, 1, 2000), 1);
	if (p.revents & POLLIN) {
		CHECK_EQ(read(m, buf, 2), 2);
		CHECK_EQ(memcmp(buf, "yo", 2), 0);
	}
	close(s);
	close(m);
	CHECK_OK(umount(tdir));
	cleanup_dir();
	return test_done();
}
