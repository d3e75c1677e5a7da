//go:build ignore

/*
 * sys_hostname: sethostname(2) and setdomainname(2) change what uname(2)
 * and /proc/sys/kernel/{hostname,domainname} show; names are at most 64
 * bytes (EINVAL), need not be NUL-terminated, and need CAP_SYS_ADMIN
 * (EPERM). The test runs in a new UTS namespace where it has one, so
 * that the host's names never change.
 */
#include "testutil.h"
#include <fcntl.h>
#include <sched.h>
#include <sys/utsname.h>
#include <sys/wait.h>

int main(void)
{
	pid_t pid = test_fork();
	if (pid == 0) {
		/* Natively, keep the host's names; in the sandbox, whose
		 * names are its own, there may be no UTS namespaces. */
		unshare(CLONE_NEWUTS);
		CHECK_OK(sethostname("box-one-XYZ", 7));
		CHECK_OK(setdomainname("example.test", 12));
		struct utsname u;
		CHECK_OK(uname(&u));
		CHECK_STREQ(u.nodename, "box-one");
		CHECK_STREQ(u.domainname, "example.test");
		char buf[128];
		read_text("/proc/sys/kernel/hostname", buf, sizeof buf);
		CHECK_STREQ(buf, "box-one\n");
		read_text("/proc/sys/kernel/domainname", buf, sizeof buf);
		CHECK_STREQ(buf, "example.test\n");
		char big[65];
		memset(big, 'h', sizeof big);
		CHECK_ERRNO(sethostname(big, 65), -1, EINVAL);
		CHECK_OK(sethostname(big, 64));
		CHECK_OK(uname(&u));
		CHECK_EQ(strlen(u.nodename), 64);
		CHECK_ERRNO(sethostname(NULL, 4), -1, EFAULT);
		/* Without CAP_SYS_ADMIN. */
		CHECK_OK(setresuid(65534, 65534, 65534));
		CHECK_ERRNO(sethostname("x", 1), -1, EPERM);
		CHECK_ERRNO(setdomainname("x", 1), -1, EPERM);
		child_exit();
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	return test_done();
}
