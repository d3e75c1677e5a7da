//go:build ignore
/*
 * setfsuid's capability rule (capabilities(7)): when the filesystem UID
 * leaves 0, the file capabilities (CAP_CHOWN, CAP_DAC_OVERRIDE,
 * CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID, CAP_LINUX_IMMUTABLE,
 * CAP_MKNOD, CAP_MAC_OVERRIDE) leave the effective set, so that root acting
 * as a user (a file server) is refused what the user is refused; when it
 * returns to 0, the permitted ones come back. SECBIT_NO_SETUID_FIXUP keeps
 * the set; setfsgid never changes it. The checks run in children and only
 * as root with those capabilities (otherwise the test checks nothing
 * beyond setfsuid's return).
 */
#include "testutil.h"

#include <linux/capability.h>
#include <linux/securebits.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>

#define BIT(n) ((uint64_t)1 << (n))
#define FS_CAPS                                                                    \
	(BIT(CAP_CHOWN) | BIT(CAP_DAC_OVERRIDE) | BIT(CAP_DAC_READ_SEARCH) |       \
	 BIT(CAP_FOWNER) | BIT(CAP_FSETID) | BIT(CAP_LINUX_IMMUTABLE) | BIT(CAP_MKNOD) | \
	 BIT(CAP_MAC_OVERRIDE))

static void get_caps(uint64_t *eff, uint64_t *perm)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) != 0)
		FATAL("capget: errno %d", errno);
	*eff = d[0].effective | (uint64_t)d[1].effective << 32;
	*perm = d[0].permitted | (uint64_t)d[1].permitted << 32;
}

int main(void)
{
	uint64_t e0, p0;
	get_caps(&e0, &p0);
	/* Setting the current fsuid changes nothing and returns it. */
	CHECK_EQ(setfsuid(geteuid()), (int)geteuid());
	uint64_t e, p;
	get_caps(&e, &p);
	CHECK_EQ(e, e0);
	if (geteuid() != 0 || (e0 & FS_CAPS) != FS_CAPS || prctl(PR_GET_SECUREBITS) != 0)
		return test_done();

	setup_dir();
	int fd = open("secret", O_WRONLY | O_CREAT | O_EXCL, 0600);
	ASSERT_GE(fd, 0);
	close(fd);
	int st;

	pid_t c = test_fork();
	if (c == 0) {
		CHECK_EQ(setfsuid(65534), 0);
		get_caps(&e, &p);
		CHECK_EQ(e, e0 & ~FS_CAPS);
		CHECK_EQ(p, p0);
		/* Root acting as nobody cannot read root's 0600 file. */
		CHECK_ERRNO(open("secret", O_RDONLY), -1, EACCES);
		/* setfsgid leaves the sets alone. */
		CHECK_EQ(setfsgid(65534), 0);
		get_caps(&e, &p);
		CHECK_EQ(e, e0 & ~FS_CAPS);
		/* Back to 0: the permitted ones return. */
		CHECK_EQ(setfsuid(0), 65534);
		get_caps(&e, &p);
		CHECK_EQ(e, e0);
		int f = open("secret", O_RDONLY);
		CHECK_GE(f, 0);
		close(f);
		child_exit();
	}
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK_CHILD_OK(st);

	/* An effective set without some of them gains only what is permitted. */
	c = test_fork();
	if (c == 0) {
		CHECK_EQ(setfsuid(65534), 0);
		struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
		uint64_t np = p0 & ~BIT(CAP_CHOWN);
		uint64_t ne = e0 & ~FS_CAPS;
		struct __user_cap_data_struct d[2] = {
			{(uint32_t)ne, (uint32_t)np, 0},
			{(uint32_t)(ne >> 32), (uint32_t)(np >> 32), 0},
		};
		CHECK_EQ(syscall(SYS_capset, &h, d), 0);
		CHECK_EQ(setfsuid(0), 65534);
		get_caps(&e, &p);
		CHECK_EQ(e, e0 & ~BIT(CAP_CHOWN));
		child_exit();
	}
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK_CHILD_OK(st);

	/* SECBIT_NO_SETUID_FIXUP: the set stays. */
	c = test_fork();
	if (c == 0) {
		CHECK_EQ(prctl(PR_SET_SECUREBITS, SECBIT_NO_SETUID_FIXUP, 0, 0, 0), 0);
		CHECK_EQ(setfsuid(65534), 0);
		get_caps(&e, &p);
		CHECK_EQ(e, e0);
		int f = open("secret", O_RDONLY);
		CHECK_GE(f, 0);
		close(f);
		child_exit();
	}
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK_CHILD_OK(st);

	cleanup_dir();
	return test_done();
}
