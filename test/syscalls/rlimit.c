//go:build ignore

/*
 * getrlimit, setrlimit and prlimit64: values agree, lowering RLIMIT_NOFILE
 * makes open and dup fail with EMFILE, soft > hard is EINVAL, and errors.
 */
#include "testutil.h"
#include <fcntl.h>
#include <sys/resource.h>

int main(void)
{
	struct rlimit rl, rl2;
	struct rlimit64 { uint64_t cur, max; } p, old;

	/* The three ways of reading agree. */
	CHECK_EQ(RAW(SYS_getrlimit, RLIMIT_NOFILE, &rl), 0);
	CHECK_EQ(RAW(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &p), 0);
	CHECK_EQ(p.cur, rl.rlim_cur);
	CHECK_EQ(p.max, rl.rlim_max);
	CHECK_EQ(RAW(SYS_prlimit64, getpid(), RLIMIT_NOFILE, NULL, &p), 0);
	CHECK_EQ(p.cur, rl.rlim_cur);
	CHECK_LE(rl.rlim_cur, rl.rlim_max);
	CHECK_GE(rl.rlim_cur, 16);
	/* Other limits read fine too; RLIMIT_STACK is finite or infinite but set. */
	CHECK_EQ(getrlimit(RLIMIT_STACK, &rl2), 0);
	CHECK_GT(rl2.rlim_cur, 0);
	CHECK_EQ(getrlimit(RLIMIT_AS, &rl2), 0);
	CHECK_EQ(getrlimit(RLIMIT_CORE, &rl2), 0);

	/* Lower the soft NOFILE limit to 10: fds 0..9 are allowed. */
	struct rlimit lowered = { 10, rl.rlim_max };
	CHECK_EQ(RAW(SYS_setrlimit, RLIMIT_NOFILE, &lowered), 0);
	CHECK_EQ(getrlimit(RLIMIT_NOFILE, &rl2), 0);
	CHECK_EQ(rl2.rlim_cur, 10);
	CHECK_EQ(rl2.rlim_max, rl.rlim_max);
	int fds[16], n = 0;
	for (;;) {
		int fd = open("/dev/null", O_RDONLY);
		if (fd < 0) {
			CHECK_EQ(errno, EMFILE);
			break;
		}
		if (n == 16) {
			FAIL("opened more than 16 fds under a limit of 10");
			break;
		}
		fds[n++] = fd;
	}
	/* 0, 1, 2 were open, so 3..9 could be opened: 7 fds. */
	CHECK_EQ(n, 7);
	CHECK_EQ(fds[n - 1], 9);
	CHECK_ERRNO(dup(0), -1, EMFILE);
	CHECK_ERRNO(fcntl(0, F_DUPFD, 0), -1, EMFILE);
	int pp[2];
	CHECK_ERRNO(pipe(pp), -1, EMFILE);
	/* dup2 to a number at or above the limit: EBADF. */
	CHECK_ERRNO(dup2(0, 10), -1, EBADF);
	/* Freeing one makes room for exactly one. */
	close(fds[--n]);
	int fd;
	CHECK_EQ(fd = open("/dev/null", O_RDONLY), 9);
	CHECK_ERRNO(open("/dev/null", O_RDONLY), -1, EMFILE);
	close(fd);
	while (n > 0)
		close(fds[--n]);

	/* Soft above hard: EINVAL, and nothing changes. */
	struct rlimit bad = { rl.rlim_max, rl.rlim_max - 1 };
	CHECK_ERRNO(RAW(SYS_setrlimit, RLIMIT_NOFILE, &bad), -1, EINVAL);
	p.cur = 20;
	p.max = 19;
	CHECK_ERRNO(RAW(SYS_prlimit64, 0, RLIMIT_NOFILE, &p, NULL), -1, EINVAL);
	CHECK_EQ(getrlimit(RLIMIT_NOFILE, &rl2), 0);
	CHECK_EQ(rl2.rlim_cur, 10);

	/* prlimit64 sets and returns the old value in one call. */
	p.cur = rl.rlim_cur;
	p.max = rl.rlim_max;
	memset(&old, 0, sizeof(old));
	CHECK_EQ(RAW(SYS_prlimit64, 0, RLIMIT_NOFILE, &p, &old), 0);
	CHECK_EQ(old.cur, 10);
	CHECK_EQ(old.max, rl.rlim_max);
	CHECK_EQ(getrlimit(RLIMIT_NOFILE, &rl2), 0);
	CHECK_EQ(rl2.rlim_cur, rl.rlim_cur);

	/* NOFILE above the system maximum (nr_open, 1M by default): EPERM. */
	struct rlimit huge = { RLIM_INFINITY, RLIM_INFINITY };
	CHECK_ERRNO(RAW(SYS_setrlimit, RLIMIT_NOFILE, &huge), -1, EPERM);

	/* A child inherits the limits. */
	lowered.rlim_cur = 33;
	CHECK_EQ(setrlimit(RLIMIT_NOFILE, &lowered), 0);
	pid_t pid = test_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct rlimit c;
		CHECK_EQ(getrlimit(RLIMIT_NOFILE, &c), 0);
		CHECK_EQ(c.rlim_cur, 33);
		child_exit();
	}
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	CHECK_EQ(setrlimit(RLIMIT_NOFILE, &rl), 0);

	/* Errors: bad resource, bad pid, bad pointer. */
	CHECK_ERRNO(RAW(SYS_getrlimit, 999, &rl2), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_setrlimit, 999, &rl), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_prlimit64, 0, 999, NULL, &p), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_prlimit64, 0x3fffffff, RLIMIT_NOFILE, NULL, &p), -1, ESRCH);
	CHECK_ERRNO(RAW(SYS_getrlimit, RLIMIT_NOFILE, (void *)8), -1, EFAULT);
	return test_done();
}
