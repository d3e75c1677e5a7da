//go:build ignore
/*
 * prctl(PR_GET_SECUREBITS / PR_SET_SECUREBITS): the securebits of
 * capabilities(7). SECBIT_KEEP_CAPS is PR_SET_KEEPCAPS's flag; setting
 * needs CAP_SETPCAP, and a lock bit freezes its bit and itself. Effects:
 * SECBIT_NOROOT (root's execve gains no capabilities), SECBIT_NO_SETUID_FIXUP
 * (leaving UID 0 keeps the sets), SECBIT_NO_CAP_AMBIENT_RAISE and
 * SECBIT_KEEP_CAPS_LOCKED (PR_SET_KEEPCAPS fails). Every change happens in
 * a child. Without CAP_SETPCAP (an unprivileged run) only EPERM is checked.
 * (libcap-ng, which su loads, asks PR_GET_SECUREBITS.)
 */
#include "testutil.h"

#include <linux/capability.h>
#include <linux/securebits.h>
#include <sys/prctl.h>

#ifndef SECBIT_EXEC_RESTRICT_FILE
#define SECBIT_EXEC_RESTRICT_FILE (1 << 8)
#endif

struct caps {
	uint64_t eff, perm, inh;
};

static struct caps get_caps(void)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) != 0)
		FATAL("capget: errno %d", errno);
	struct caps c = {
		d[0].effective | (uint64_t)d[1].effective << 32,
		d[0].permitted | (uint64_t)d[1].permitted << 32,
		d[0].inheritable | (uint64_t)d[1].inheritable << 32,
	};
	return c;
}

static int set_inheritable(uint64_t inh)
{
	struct caps c = get_caps();
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2] = {
		{(uint32_t)c.eff, (uint32_t)c.perm, (uint32_t)inh},
		{(uint32_t)(c.eff >> 32), (uint32_t)(c.perm >> 32), (uint32_t)(inh >> 32)},
	};
	return syscall(SYS_capset, &h, d);
}

#define CAPBIT(n) ((uint64_t)1 << (n))

static long getbits(void) { return prctl(PR_GET_SECUREBITS, 0, 0, 0, 0); }
static long setbits(unsigned long b) { return prctl(PR_SET_SECUREBITS, b, 0, 0, 0); }

/* In exec'd mode: exit 0 if the effective set is empty, 1 if it is not. */
static int exec_report(void) { return get_caps().eff == 0 ? 0 : 1; }

static void exec_self(const char *self, int want_empty)
{
	pid_t c = fork();
	ASSERT_GE(c, 0);
	if (c == 0) {
		char *argv[] = {(char *)self, "report", NULL};
		char *envp[] = {NULL};
		execve(self, argv, envp);
		_exit(127);
	}
	int st;
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK_EXITED(st, want_empty ? 0 : 1);
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "report") == 0)
		return exec_report();
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	ASSERT_GT(n, 0);
	self[n] = 0;

	long b0 = getbits();
	ASSERT_GE(b0, 0);
	/* KEEP_CAPS follows PR_SET_KEEPCAPS, which anyone may set. */
	if (!(b0 & SECBIT_KEEP_CAPS_LOCKED)) {
		pid_t c = test_fork();
		if (c == 0) {
			CHECK_EQ(prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0), 0);
			CHECK_EQ(getbits(), b0 | SECBIT_KEEP_CAPS);
			CHECK_EQ(prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0), 0);
			CHECK_EQ(getbits(), b0 & ~SECBIT_KEEP_CAPS);
			child_exit();
		}
		int st;
		CHECK_EQ(waitpid(c, &st, 0), c);
		CHECK_CHILD_OK(st);
	}

	int priv = (get_caps().eff & CAPBIT(CAP_SETPCAP)) != 0;
	if (!priv || b0 != 0) {
		/* Unprivileged, or bits already set: only the refusals. */
		if (!priv)
			CHECK_ERRNO(setbits(b0), -1, EPERM);
		CHECK_ERRNO(setbits(b0 | (1 << 12)), -1, EPERM);
		return test_done();
	}
	int root = get_caps().perm == get_caps().eff && getuid() == 0 && geteuid() == 0;
	int st;

	/* Unknown bits: EPERM. The known ones are taken and read back. */
	pid_t c = test_fork();
	if (c == 0) {
		CHECK_ERRNO(setbits(1 << 12), -1, EPERM);
		CHECK_ERRNO(setbits(1UL << 40), -1, EPERM);
		CHECK_EQ(setbits(SECBIT_KEEP_CAPS), 0);
		CHECK_EQ(prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0), 1);
		CHECK_EQ(setbits(SECBIT_NOROOT | SECBIT_NO_SETUID_FIXUP | SECBIT_EXEC_RESTRICT_FILE), 0);
		CHECK_EQ(getbits(), SECBIT_NOROOT | SECBIT_NO_SETUID_FIXUP | SECBIT_EXEC_RESTRICT_FILE);
		CHECK_EQ(prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0), 0);
		CHECK_EQ(setbits(0), 0);
		CHECK_EQ(getbits(), 0);
		child_exit();
	}
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK_CHILD_OK(st);

	/* Locks: a locked bit cannot change, a lock cannot go. */
	c = test_fork();
	if (c == 0) {
		CHECK_EQ(setbits(SECBIT_KEEP_CAPS | SECBIT_KEEP_CAPS_LOCKED), 0);
		CHECK_ERRNO(prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0), -1, EPERM);
		CHECK_ERRNO(prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0), -1, EPERM);
		CHECK_ERRNO(prctl(PR_SET_KEEPCAPS, 2, 0, 0, 0), -1, EINVAL);
		CHECK_ERRNO(setbits(SECBIT_KEEP_CAPS_LOCKED), -1, EPERM);
		CHECK_ERRNO(setbits(SECBIT_KEEP_CAPS), -1, EPERM);
		/* Other bits still change. */
		CHECK_EQ(setbits(SECBIT_KEEP_CAPS | SECBIT_KEEP_CAPS_LOCKED | SECBIT_NOROOT), 0);
		CHECK_EQ(getbits(), SECBIT_KEEP_CAPS | SECBIT_KEEP_CAPS_LOCKED | SECBIT_NOROOT);
		/* A lock alone freezes its bit as it is (off here). */
		CHECK_EQ(setbits(SECBIT_KEEP_CAPS | SECBIT_KEEP_CAPS_LOCKED | SECBIT_NOROOT |
				 SECBIT_NO_SETUID_FIXUP_LOCKED),
			 0);
		CHECK_ERRNO(setbits(SECBIT_KEEP_CAPS | SECBIT_KEEP_CAPS_LOCKED | SECBIT_NOROOT |
				    SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_NO_SETUID_FIXUP),
			    -1, EPERM);
		child_exit();
	}
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK_CHILD_OK(st);

	/* NO_CAP_AMBIENT_RAISE. */
	c = test_fork();
	if (c == 0) {
		struct caps k = get_caps();
		if (k.perm & CAPBIT(CAP_CHOWN)) {
			CHECK_EQ(set_inheritable(k.inh | CAPBIT(CAP_CHOWN)), 0);
			CHECK_EQ(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_CHOWN, 0, 0), 0);
			CHECK_EQ(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, CAP_CHOWN, 0, 0), 0);
			CHECK_EQ(setbits(SECBIT_NO_CAP_AMBIENT_RAISE), 0);
			CHECK_ERRNO(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_CHOWN, 0, 0), -1, EPERM);
		}
		child_exit();
	}
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK_CHILD_OK(st);

	if (!root)
		return test_done();

	/* Root's execve: full effective set, none with SECBIT_NOROOT. The
	 * bits survive fork and execve. */
	exec_self(self, 0);
	c = test_fork();
	if (c == 0) {
		CHECK_EQ(setbits(SECBIT_NOROOT), 0);
		exec_self(self, 1);
		child_exit();
	}
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK_CHILD_OK(st);

	/* Leaving UID 0 clears the sets, unless SECBIT_NO_SETUID_FIXUP. */
	c = test_fork();
	if (c == 0) {
		CHECK_EQ(setresuid(65534, 65534, 65534), 0);
		struct caps k = get_caps();
		CHECK_EQ(k.perm, 0);
		CHECK_EQ(k.eff, 0);
		child_exit();
	}
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK_CHILD_OK(st);
	c = test_fork();
	if (c == 0) {
		struct caps before = get_caps();
		CHECK_EQ(setbits(SECBIT_NO_SETUID_FIXUP), 0);
		CHECK_EQ(setresuid(65534, 65534, 65534), 0);
		struct caps k = get_caps();
		CHECK_EQ(k.perm, before.perm);
		CHECK_EQ(k.eff, before.eff);
		CHECK_EQ(getbits(), SECBIT_NO_SETUID_FIXUP);
		child_exit();
	}
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK_CHILD_OK(st);
	return test_done();
}
