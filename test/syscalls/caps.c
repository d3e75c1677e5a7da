//go:build ignore

/* capget and capset, and capabilities dropped with the UIDs. */
#include "testutil.h"
#include <linux/capability.h>
#include <sys/prctl.h>

static int capget_raw(cap_user_header_t h, cap_user_data_t d) { return syscall(SYS_capget, h, d); }
static int capset_raw(cap_user_header_t h, cap_user_data_t d) { return syscall(SYS_capset, h, d); }

int main(void)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	CHECK_OK(capget_raw(&h, d));
	int root = geteuid() == 0;
	if (root)
		CHECK_NE(d[0].effective & (1u << CAP_SETUID), 0);
	/* An unknown version: the kernel writes its own and fails. */
	h.version = 0x12345678;
	CHECK_ERRNO(capget_raw(&h, d), -1, EINVAL);
	CHECK_EQ(h.version, _LINUX_CAPABILITY_VERSION_3);
	h.version = 0x12345678;
	CHECK_EQ(capget_raw(&h, NULL), 0);
	CHECK_EQ(h.version, _LINUX_CAPABILITY_VERSION_3);
	h.version = _LINUX_CAPABILITY_VERSION_3;
	h.pid = 0x3fffffff;
	CHECK_ERRNO(capget_raw(&h, d), -1, ESRCH);
	h.pid = 0;

	pid_t c = fork();
	ASSERT_GE(c, 0);
	if (c == 0) {
		struct __user_cap_data_struct e[2];
		capget_raw(&h, e);
		/* Drop CAP_SETUID from effective: allowed. */
		e[0].effective &= ~(1u << CAP_SETUID);
		if (capset_raw(&h, e) != 0)
			_exit(1);
		/* Raising effective beyond permitted: EPERM. */
		e[0].permitted &= ~(1u << CAP_KILL);
		e[0].effective |= 1u << CAP_KILL;
		if (capset_raw(&h, e) != -1 || errno != EPERM)
			_exit(2);
		/* Another process: EPERM. */
		h.pid = getppid();
		if (capset_raw(&h, e) != -1 || errno != EPERM)
			_exit(3);
		h.pid = 0;
		/* CAP_SETUID is still permitted: raise it back. */
		capget_raw(&h, e);
		e[0].effective |= 1u << CAP_SETUID;
		if (capset_raw(&h, e) != 0)
			_exit(6);
		/* Leaving UID 0 clears the capabilities. */
		if (setresuid(1000, 1000, 1000) != 0)
			_exit(4);
		capget_raw(&h, e);
		if (e[0].effective != 0 || e[0].permitted != 0)
			_exit(5);
		_exit(0);
	}
	int st;
	CHECK_EQ(waitpid(c, &st, 0), c);
	if (root)
		CHECK_EXITED(st, 0);
	return test_done();
}
