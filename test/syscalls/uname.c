//go:build ignore

/* uname: fields are non-empty NUL-terminated strings; sysname, machine, release. */
#include "testutil.h"
#include <sys/utsname.h>
#include <limits.h>

static void nonempty(const char *name, const char *f, size_t size)
{
	size_t n = strnlen(f, size);
	if (n == size)
		FAIL("%s is not NUL-terminated", name);
	if (n == 0)
		FAIL("%s is empty", name);
}

int main(void)
{
	struct utsname u;
	memset(&u, 'X', sizeof(u));
	CHECK_EQ(RAW(SYS_uname, &u), 0);
	nonempty("sysname", u.sysname, sizeof(u.sysname));
	nonempty("nodename", u.nodename, sizeof(u.nodename));
	nonempty("release", u.release, sizeof(u.release));
	nonempty("version", u.version, sizeof(u.version));
	nonempty("machine", u.machine, sizeof(u.machine));
	CHECK_STREQ(u.sysname, "Linux");
	CHECK_STREQ(u.machine, "x86_64");
	/* Each field is 65 bytes; the kernel zero-fills after the string. */
	CHECK_EQ(sizeof(u.sysname), 65);
	CHECK_EQ(u.sysname[6], 0);
	CHECK_EQ(u.sysname[64], 0);
	/* release looks like "MAJOR.MINOR...", at least 3.x. */
	int major = 0, minor = -1;
	CHECK_EQ(sscanf(u.release, "%d.%d", &major, &minor), 2);
	CHECK_GE(major, 3);
	CHECK_GE(minor, 0);
	/* nodename is the hostname. */
	char host[HOST_NAME_MAX + 1];
	CHECK_EQ(gethostname(host, sizeof(host)), 0);
	CHECK_STREQ(host, u.nodename);
	/* domainname is NUL-terminated (often "(none)"). */
	CHECK_LT(strnlen(u.domainname, sizeof(u.domainname)), sizeof(u.domainname));
	/* Stable across calls. */
	struct utsname v;
	CHECK_EQ(uname(&v), 0);
	CHECK_EQ(memcmp(&u, &v, sizeof(u)), 0);
	/* A bad pointer: EFAULT. */
	CHECK_ERRNO(RAW(SYS_uname, (void *)8), -1, EFAULT);
	return test_done();
}
