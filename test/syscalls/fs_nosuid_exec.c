//go:build ignore

/* Set-ID execution and MS_NOSUID: a set-user-ID root program run by uid 65534 gets euid 0 (saved too), AT_SECURE and capabilities; set-group-ID needs group execute; on a nosuid mount, or with no_new_privs, the bits are ignored. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sched.h>
#include <sys/auxv.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <grp.h>
#include <linux/capability.h>


/* Run as "prog ids": print the IDs, AT_SECURE and the effective
 * capabilities' low word, then exit. */
static int report(void)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;
	getresuid(&r, &e, &s);
	getresgid(&rg, &eg, &sg);
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof(d));
	syscall(SYS_capget, &h, d);
	printf("%u %u %u %u %u %u %lu %u %d\n", r, e, s, rg, eg, sg, getauxval(AT_SECURE), d[0].effective,
	       prctl(PR_GET_DUMPABLE));
	return 0;
}

struct ids {
	unsigned r, e, s, rg, eg, sg, eff;
	unsigned long secure;
	int dumpable;
};

/* run executes prog as uid/gid (after dropping to them; nnp sets
 * no_new_privs) and parses its report. */
static int run(const char *prog, unsigned uid, int nnp, struct ids *out)
{
	int p[2];
	if (pipe(p))
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		if (setgroups(0, NULL) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
			_exit(90);
		if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
			_exit(91);
		char *argv[] = {(char *)prog, "ids", NULL};
		char *envp[] = {NULL};
		execve(prog, argv, envp);
		_exit(92);
	}
	close(p[1]);
	char buf[256];
	int n = 0, r;
	while ((r = read(p[0], buf + n, sizeof(buf) - 1 - n)) > 0)
		n += r;
	close(p[0]);
	buf[n] = 0;
	int st;
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -2;
	if (sscanf(buf, "%u %u %u %u %u %u %lu %u %d", &out->r, &out->e, &out->s, &out->rg, &out->eg, &out->sg,
		   &out->secure, &out->eff, &out->dumpable) != 9)
		return -3;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "ids") == 0)
		return report();
	struct ids x;
	char m[96], prog[128];
	setup_dir();
	ASSERT_OK(chmod(tdir, 0755));
	ASSERT_OK(unshare(CLONE_NEWNS));
	ASSERT_OK(mount("", "/", NULL, MS_REC | MS_PRIVATE, NULL));
	snprintf(m, sizeof(m), "%s/m", tdir);
	ASSERT_OK(mkdir(m, 0755));
	ASSERT_OK(mount("none", m, "tmpfs", 0, "mode=0755"));
	/* Copy this program into the mount. */
	snprintf(prog, sizeof(prog), "%s/prog", m);
	int in, out;
	ASSERT_OK(in = open("/proc/self/exe", O_RDONLY));
	ASSERT_OK(out = open(prog, O_CREAT | O_WRONLY, 0755));
	static char buf[1 << 16];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		ASSERT_EQ(write(out, buf, n), n);
	close(in);
	close(out);
	ASSERT_OK(chown(prog, 0, 0));

	/* Plain: the caller's IDs, not secure. */
	ASSERT_OK(run(prog, 65534, 0, &x));
	CHECK_EQ(x.e, 65534);
	CHECK_EQ(x.secure, 0);
	CHECK_EQ(x.eff, 0);
	CHECK_EQ(x.dumpable, 1);
	/* Set-user-ID and set-group-ID root. */
	ASSERT_OK(chmod(prog, 06755));
	ASSERT_OK(run(prog, 65534, 0, &x));
	CHECK_EQ(x.r, 65534);
	CHECK_EQ(x.e, 0);
	CHECK_EQ(x.s, 0);
	CHECK_EQ(x.rg, 65534);
	CHECK_EQ(x.eg, 0);
	CHECK_EQ(x.sg, 0);
	CHECK_EQ(x.secure, 1);
	CHECK_NE(x.eff & (1 << CAP_CHOWN), 0);
	CHECK_EQ(x.dumpable, 0);
	/* Set-group-ID without group execute is not set-group-ID. */
	ASSERT_OK(chmod(prog, 02745));
	ASSERT_OK(run(prog, 65534, 0, &x));
	CHECK_EQ(x.eg, 65534);
	CHECK_EQ(x.secure, 0);
	/* no_new_privs: ignored. */
	ASSERT_OK(chmod(prog, 06755));
	ASSERT_OK(run(prog, 65534, 1, &x));
	CHECK_EQ(x.e, 65534);
	CHECK_EQ(x.eg, 65534);
	CHECK_EQ(x.secure, 0);
	CHECK_EQ(x.eff, 0);
	/* Root running a set-user-ID program of another user loses its
	 * effective capabilities. */
	ASSERT_OK(chown(prog, 65534, 65534));
	ASSERT_OK(chmod(prog, 04755));
	ASSERT_OK(run(prog, 0, 0, &x));
	CHECK_EQ(x.r, 0);
	CHECK_EQ(x.e, 65534);
	CHECK_EQ(x.s, 65534);
	CHECK_EQ(x.eff, 0);
	CHECK_EQ(x.secure, 1);
	ASSERT_OK(chown(prog, 0, 0));
	ASSERT_OK(chmod(prog, 06755));
	/* MS_NOSUID: the bits are ignored, the program still runs. */
	ASSERT_OK(mount(NULL, m, NULL, MS_REMOUNT | MS_BIND | MS_NOSUID, NULL));
	ASSERT_OK(run(prog, 65534, 0, &x));
	CHECK_EQ(x.e, 65534);
	CHECK_EQ(x.s, 65534);
	CHECK_EQ(x.eg, 65534);
	CHECK_EQ(x.secure, 0);
	CHECK_EQ(x.eff, 0);
	CHECK_EQ(x.dumpable, 1);
	/* And back. */
	ASSERT_OK(mount(NULL, m, NULL, MS_REMOUNT | MS_BIND, NULL));
	ASSERT_OK(run(prog, 65534, 0, &x));
	CHECK_EQ(x.e, 0);
	ASSERT_OK(umount(m));
	cleanup_dir();
	return test_done();
}
