//go:build ignore

/* mlock, munlock, mlockall and mincore. */
#include "testutil.h"
#include <sys/mman.h>
#include <sys/resource.h>

int main(void)
{
	long pg = 4096;
	char *p = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(p, MAP_FAILED);
	unsigned char vec[4];
	CHECK_OK(mincore(p, 4 * pg, vec));
	CHECK_EQ(vec[0] & 1, 0);
	p[pg] = 1;
	CHECK_OK(mincore(p, 4 * pg, vec));
	CHECK_EQ(vec[1] & 1, 1);
	CHECK_ERRNO(mincore(p + 1, pg, vec), -1, EINVAL);
	CHECK_OK(mlock(p, 2 * pg));
	CHECK_OK(mincore(p, 4 * pg, vec));
	CHECK_EQ(vec[0] & 1, 1);
	CHECK_OK(munlock(p, 2 * pg));
	CHECK_OK(munmap(p + 2 * pg, 2 * pg));
	CHECK_ERRNO(mincore(p, 4 * pg, vec), -1, ENOMEM);
	CHECK_ERRNO(mlock(p, 4 * pg), -1, ENOMEM);
	CHECK_ERRNO(mlockall(0), -1, EINVAL);
	/* Without CAP_IPC_LOCK a zero RLIMIT_MEMLOCK refuses; as root the
	 * capability allows it, so test it in a child that drops root. */
	pid_t pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct rlimit rl = {0, 0};
		setrlimit(RLIMIT_MEMLOCK, &rl);
		if (setresuid(65534, 65534, 65534) != 0)
			_exit(3);
		if (mlock(p, pg) != -1 || errno != EPERM)
			_exit(1);
		_exit(0);
	}
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_EXITED(st, 0);
	CHECK_OK(munmap(p, 2 * pg));
	return test_done();
}
