//go:build ignore
// prctl(PR_CAP_AMBIENT): argument checks, raising needs the capability
// permitted and inheritable, the set follows capset and shows in
// /proc/self/status. The raise checks run when CAP_CHOWN is permitted
// (root); the rest holds for anyone.
#include "testutil.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <sys/prctl.h>

static int get_caps(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	return syscall(SYS_capget, &h, d);
}

static int set_caps(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	return syscall(SYS_capset, &h, d);
}

/* cap_amb returns the CapAmb word of /proc/self/status, or -1. */
static long long cap_amb(void)
{
	char buf[4096];
	int fd = open("/proc/self/status", O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	char *p = strstr(buf, "CapAmb:\t");
	return p ? strtoll(p + 8, NULL, 16) : -1;
}

int main(void)
{
	/* Argument checks. */
	CHECK_ERRNO(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, 63, 0, 0), -1, EINVAL);
	CHECK_ERRNO(prctl(PR_CAP_AMBIENT, 99, CAP_CHOWN, 0, 0), -1, EINVAL);
	CHECK_ERRNO(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 1, 0, 0), -1, EINVAL);
	CHECK_ERRNO(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_CHOWN, 1, 0), -1, EINVAL);
	CHECK_EQ(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), 0);
	CHECK_EQ(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_CHOWN, 0, 0), 0);
	CHECK_EQ(cap_amb(), 0);

	/* Not inheritable: raising is EPERM. */
	struct __user_cap_data_struct d[2];
	ASSERT_EQ(get_caps(d), 0);
	d[0].inheritable = 0;
	d[1].inheritable = 0;
	ASSERT_EQ(set_caps(d), 0);
	CHECK_ERRNO(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_CHOWN, 0, 0), -1, EPERM);
	CHECK_EQ(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, CAP_CHOWN, 0, 0), 0);

	if (d[0].permitted & (1u << CAP_CHOWN)) {
		d[0].inheritable = 1u << CAP_CHOWN | 1u << CAP_KILL;
		ASSERT_EQ(set_caps(d), 0);
		CHECK_EQ(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_CHOWN, 0, 0), 0);
		CHECK_EQ(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_KILL, 0, 0), 0);
		CHECK_EQ(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_CHOWN, 0, 0), 1);
		CHECK_EQ(cap_amb(), 1 << CAP_CHOWN | 1 << CAP_KILL);
		/* Lowering one. */
		CHECK_EQ(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, CAP_KILL, 0, 0), 0);
		CHECK_EQ(cap_amb(), 1 << CAP_CHOWN);
		/* Dropping it from the inheritable set drops it from the ambient set. */
		d[0].inheritable = 1u << CAP_KILL;
		ASSERT_EQ(set_caps(d), 0);
		CHECK_EQ(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_CHOWN, 0, 0), 0);
		CHECK_EQ(cap_amb(), 0);
	}
	return test_done();
}
