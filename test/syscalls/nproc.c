//go:build ignore

/* RLIMIT_NPROC: an unprivileged fork bomb stops at EAGAIN. */
#include "testutil.h"
#include <sys/resource.h>

int main(void)
{
	int p[2];
	ASSERT_OK(pipe(p));
	pid_t c = fork();
	ASSERT_GE(c, 0);
	if (c == 0) {
		struct rlimit rl = {8, 8};
		if (setrlimit(RLIMIT_NPROC, &rl) != 0)
			_exit(90);
		if (setresgid(61234, 61234, 61234) != 0 || setresuid(61234, 61234, 61234) != 0)
			_exit(91);
		int made = 0, err = 0;
		pid_t kids[64];
		for (int i = 0; i < 64; i++) {
			pid_t k = fork();
			if (k == 0) {
				char ch;
				read(p[0], &ch, 1); /* until the test ends */
				_exit(0);
			}
			if (k < 0) {
				err = errno;
				break;
			}
			kids[made++] = k;
		}
		for (int i = 0; i < made; i++)
			kill(kids[i], SIGKILL);
		for (int i = 0; i < made; i++)
			waitpid(kids[i], NULL, 0);
		if (err != EAGAIN)
			_exit(92);
		/* This process counts too: at most 7 more. */
		_exit(made <= 7 ? made : 93);
	}
	close(p[0]);
	int st;
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK(WIFEXITED(st));
	CHECK_GE(WEXITSTATUS(st), 1);
	CHECK_LE(WEXITSTATUS(st), 7);
	close(p[1]);
	return test_done();
}
