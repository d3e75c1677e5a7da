//go:build ignore

/* Sessions and process groups: setsid, setpgid, getpgid, getsid. */
#include "testutil.h"

int main(void)
{
	pid_t me = getpid();
	CHECK_EQ(getpgid(0), getpgrp());
	CHECK_EQ(getsid(0), getsid(me));
	CHECK_ERRNO(getpgid(0x3fffffff), -1, ESRCH);
	CHECK_ERRNO(setpgid(0, -1), -1, EINVAL);
	CHECK_ERRNO(setpgid(0x3fffffff, 0), -1, ESRCH);

	int p[2], q[2];
	ASSERT_OK(pipe(p));
	ASSERT_OK(pipe(q));
	pid_t c = fork();
	ASSERT_GE(c, 0);
	if (c == 0) {
		char ch;
		close(p[1]);
		/* A new session: we lead it and its process group. */
		if (setsid() != getpid())
			_exit(1);
		if (getsid(0) != getpid() || getpgrp() != getpid())
			_exit(2);
		/* A session leader cannot setsid again or move groups. */
		if (setsid() != -1 || errno != EPERM)
			_exit(3);
		if (setpgid(0, 0) != -1 || errno != EPERM)
			_exit(4);
		write(q[1], "x", 1);
		read(p[0], &ch, 1);
		_exit(0);
	}
	char ch;
	CHECK_EQ(read(q[0], &ch, 1), 1);
	/* The child is now in another session: we may not move it. */
	CHECK_ERRNO(setpgid(c, c), -1, EPERM);
	CHECK_EQ(getsid(c), c);
	close(p[1]);
	int st;
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK_EXITED(st, 0);

	/* setpgid on a child before and after it execs. */
	ASSERT_OK(pipe(p));
	c = fork();
	if (c == 0) {
		close(p[1]);
		read(p[0], &ch, 1);
		execl("/bin/sh", "sh", "-c", "read x", (char *)NULL);
		_exit(9);
	}
	close(p[0]);
	CHECK_OK(setpgid(c, c));
	CHECK_EQ(getpgid(c), c);
	CHECK_OK(setpgid(c, getpgrp()));
	CHECK_EQ(getpgid(c), getpgrp());
	/* A group that does not exist in our session: EPERM. */
	CHECK_ERRNO(setpgid(c, 0x3ffffff0), -1, EPERM);
	int pw[2];
	ASSERT_OK(pipe(pw));
	write(p[1], "x", 1);
	/* Wait until the child has exec'd: its /bin/sh blocks reading stdin. */
	for (int i = 0; i < 200; i++) {
		errno = 0;
		if (setpgid(c, c) == -1 && errno == EACCES)
			break;
		usleep(10000);
	}
	CHECK_EQ(errno, EACCES);
	kill(c, SIGKILL);
	CHECK_EQ(waitpid(c, &st, 0), c);
	/* A grandchild is not ours to move. */
	CHECK_ERRNO(setpgid(1 == me ? 0x3fffffff : 1, 0), -1, ESRCH);
	return test_done();
}
