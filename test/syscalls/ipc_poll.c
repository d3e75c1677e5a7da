//go:build ignore

/*
 * poll(2) details: POLLNVAL for fds that are not open (counted), negative
 * fds ignored (revents 0, not counted, events even cleared), POLLHUP and
 * POLLERR reported without being asked, POLLHUP on a pipe's read end with
 * and without data, POLLERR on a write end with no reader, POLLRDHUP on a
 * socket whose peer shut down writing, nfds above RLIMIT_NOFILE is
 * EINVAL, the timeout, and the same fd listed twice.
 */
#include "testutil.h"
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>

int main(void)
{
	int p[2];
	struct pollfd f[4];
	ASSERT_OK(pipe(p));

	/* A closed fd: POLLNVAL, counted; a negative one: ignored. */
	f[0] = (struct pollfd){999, POLLIN, 0x55};
	f[1] = (struct pollfd){-1, POLLIN, 0x55};
	f[2] = (struct pollfd){-5, 0, 0x55};
	f[3] = (struct pollfd){p[1], POLLOUT, 0x55};
	CHECK_EQ(poll(f, 4, 0), 2);
	CHECK_EQ(f[0].revents, POLLNVAL);
	CHECK_EQ(f[1].revents, 0);
	CHECK_EQ(f[2].revents, 0);
	CHECK_EQ(f[3].revents, POLLOUT);
	/* POLLNVAL even with no events asked. */
	f[0] = (struct pollfd){999, 0, 0};
	CHECK_EQ(poll(f, 1, 0), 1);
	CHECK_EQ(f[0].revents, POLLNVAL);
	/* Only negative fds: nothing ready, so the timeout runs. */
	f[0] = (struct pollfd){-1, POLLIN, 0};
	long long t0 = now_ns();
	CHECK_EQ(poll(f, 1, 30), 0);
	CHECK_GE(now_ns() - t0, 25 * 1000000LL);
	/* nfds 0 is a sleep. */
	t0 = now_ns();
	CHECK_EQ(poll(NULL, 0, 30), 0);
	CHECK_GE(now_ns() - t0, 25 * 1000000LL);

	/* The same fd twice: each entry answers for its own events. */
	f[0] = (struct pollfd){p[0], POLLIN, 0};
	f[1] = (struct pollfd){p[0], POLLOUT, 0};
	CHECK_EQ(poll(f, 2, 0), 0);
	CHECK_EQ(write(p[1], "x", 1), 1);
	CHECK_EQ(poll(f, 2, 0), 1);
	CHECK_EQ(f[0].revents, POLLIN);
	CHECK_EQ(f[1].revents, 0);
	/* POLLRDNORM is reported when asked; POLLPRI is not there. */
	f[0] = (struct pollfd){p[0], POLLRDNORM | POLLPRI, 0};
	CHECK_EQ(poll(f, 1, 0), 1);
	CHECK_EQ(f[0].revents, POLLRDNORM);

	/* Writer gone with data left: POLLIN|POLLHUP; POLLHUP even when
	 * not asked (events 0). */
	close(p[1]);
	f[0] = (struct pollfd){p[0], POLLIN, 0};
	f[1] = (struct pollfd){p[0], 0, 0};
	CHECK_EQ(poll(f, 2, 0), 2);
	CHECK_EQ(f[0].revents, POLLIN | POLLHUP);
	CHECK_EQ(f[1].revents, POLLHUP);
	char c;
	CHECK_EQ(read(p[0], &c, 1), 1);
	CHECK_EQ(poll(f, 1, 0), 1);
	CHECK_EQ(f[0].revents, POLLHUP);
	close(p[0]);

	/* Reader gone: the write end has POLLERR (and POLLOUT). */
	ASSERT_OK(pipe(p));
	close(p[0]);
	f[0] = (struct pollfd){p[1], POLLOUT, 0};
	f[1] = (struct pollfd){p[1], 0, 0};
	CHECK_EQ(poll(f, 2, 0), 2);
	CHECK_EQ(f[0].revents, POLLOUT | POLLERR);
	CHECK_EQ(f[1].revents, POLLERR);
	close(p[1]);

	/* A blocked poll is woken by the writer's close in a child. */
	ASSERT_OK(pipe(p));
	pid_t pid = test_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		close(p[0]);
		struct timespec ts = {0, 30 * 1000000L};
		nanosleep(&ts, NULL);
		child_exit();
	}
	close(p[1]);
	f[0] = (struct pollfd){p[0], POLLIN, 0};
	CHECK_EQ(poll(f, 1, 5000), 1);
	CHECK_EQ(f[0].revents, POLLHUP);
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	close(p[0]);

	/* Sockets: POLLRDHUP when the peer shuts down writing; POLLHUP too
	 * once both directions are shut. */
	int sv[2];
	ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	f[0] = (struct pollfd){sv[0], POLLIN | POLLOUT | POLLRDHUP, 0};
	CHECK_EQ(poll(f, 1, 0), 1);
	CHECK_EQ(f[0].revents, POLLOUT);
	CHECK_OK(shutdown(sv[1], SHUT_WR));
	CHECK_EQ(poll(f, 1, 0), 1);
	CHECK_EQ(f[0].revents, POLLIN | POLLOUT | POLLRDHUP);
	/* Without asking, no POLLRDHUP. */
	f[1] = (struct pollfd){sv[0], POLLIN, 0};
	CHECK_EQ(poll(f + 1, 1, 0), 1);
	CHECK_EQ(f[1].revents, POLLIN);
	CHECK_OK(shutdown(sv[0], SHUT_WR));
	CHECK_EQ(poll(f, 1, 0), 1);
	CHECK_EQ(f[0].revents, POLLIN | POLLOUT | POLLRDHUP | POLLHUP);
	close(sv[0]);
	close(sv[1]);
	/* The peer closed: POLLHUP and POLLRDHUP. */
	ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	close(sv[1]);
	f[0] = (struct pollfd){sv[0], POLLIN | POLLRDHUP, 0};
	CHECK_EQ(poll(f, 1, 0), 1);
	CHECK_EQ(f[0].revents, POLLIN | POLLRDHUP | POLLHUP);
	close(sv[0]);

	/* nfds above RLIMIT_NOFILE: EINVAL; at the limit: fine. */
	struct rlimit old, rl;
	ASSERT_OK(getrlimit(RLIMIT_NOFILE, &old));
	rl = old;
	rl.rlim_cur = 64;
	ASSERT_OK(setrlimit(RLIMIT_NOFILE, &rl));
	static struct pollfd many[65];
	for (int i = 0; i < 65; i++)
		many[i] = (struct pollfd){-1, POLLIN, 0};
	CHECK_ERRNO(poll(many, 65, 0), -1, EINVAL);
	CHECK_EQ(poll(many, 64, 0), 0);
	ASSERT_OK(setrlimit(RLIMIT_NOFILE, &old));
	/* A bad array: EFAULT. */
	CHECK_ERRNO(RAW(SYS_poll, 8L, 1, 0), -1, EFAULT);
	return test_done();
}
