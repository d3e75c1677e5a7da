//go:build ignore

/*
 * A socketpair between a parent and a child: requests and replies in
 * both directions; the socket stays open while either process holds it
 * (close in one process is not a close of the connection); the child's
 * exit closes its end (EOF for the parent); a child writing to a parent
 * that closed its end dies of SIGPIPE; a datagram pair carries records
 * between processes; a child execs a shell that writes to the socket
 * it inherited.
 */
#include "testutil.h"
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>

int main(void)
{
	int sv[2], status;
	char buf[64];

	/* Ping-pong. */
	ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid_t pid = test_fork();
	if (pid == 0) {
		close(sv[0]);
		for (int i = 0; i < 100; i++) {
			int v;
			if (read(sv[1], &v, sizeof(v)) != sizeof(v))
				FATAL("child read: errno %d", errno);
			v++;
			if (write(sv[1], &v, sizeof(v)) != sizeof(v))
				FATAL("child write: errno %d", errno);
		}
		child_exit();
	}
	close(sv[1]);
	int v = 0;
	for (int i = 0; i < 100; i++) {
		int w = v;
		CHECK_EQ(write(sv[0], &w, sizeof(w)), sizeof(w));
		CHECK_EQ(read(sv[0], &v, sizeof(v)), sizeof(v));
	}
	CHECK_EQ(v, 100);
	/* The child exited: its end is closed. */
	CHECK_EQ(read(sv[0], buf, sizeof(buf)), 0);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	close(sv[0]);

	/* Closing a shared fd in one process does not close the socket. */
	ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	int sync[2];
	ASSERT_OK(pipe(sync));
	pid = test_fork();
	if (pid == 0) {
		/* Wait until the parent closed its copy of sv[1]. */
		CHECK_EQ(read(sync[0], buf, 1), 1);
		CHECK_EQ(write(sv[1], "still", 5), 5);
		child_exit();
	}
	close(sv[1]);
	CHECK_EQ(write(sync[1], "g", 1), 1);
	CHECK_EQ(read(sv[0], buf, sizeof(buf)), 5);
	CHECK_MEMEQ(buf, "still", 5);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	CHECK_EQ(read(sv[0], buf, sizeof(buf)), 0);
	close(sv[0]);

	/* A child writing to a closed peer dies of SIGPIPE. */
	ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = test_fork();
	if (pid == 0) {
		close(sv[0]);
		CHECK_EQ(read(sync[0], buf, 1), 1);
		if (write(sv[1], "x", 1) < 0) {
		}
		_exit(0);
	}
	close(sv[0]);
	close(sv[1]);
	CHECK_EQ(write(sync[1], "g", 1), 1);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_SIGNALED(status, SIGPIPE);

	/* Datagram records between processes. */
	ASSERT_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	pid = test_fork();
	if (pid == 0) {
		for (int i = 1; i <= 5; i++) {
			char m[8];
			memset(m, 'a' + i, i);
			CHECK_EQ(send(sv[1], m, i, 0), i);
		}
		child_exit();
	}
	for (int i = 1; i <= 5; i++) {
		CHECK_EQ(recv(sv[0], buf, sizeof(buf), 0), i);
		CHECK_EQ(buf[0], 'a' + i);
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	close(sv[0]);
	close(sv[1]);

	/* Across execve: a shell writes to the socket on its stdout. */
	ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	pid = test_fork();
	if (pid == 0) {
		if (dup2(sv[1], 1) != 1)
			_exit(2);
		execl("/bin/sh", "sh", "-c", "echo from-exec", (char *)NULL);
		_exit(3);
	}
	close(sv[1]);
	size_t got = 0;
	for (;;) {
		ssize_t n = read(sv[0], buf + got, sizeof(buf) - 1 - got);
		if (n <= 0)
			break;
		got += n;
	}
	buf[got] = 0;
	CHECK_STREQ(buf, "from-exec\n");
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_EXITED(status, 0);
	close(sv[0]);
	close(sync[0]);
	close(sync[1]);
	return test_done();
}
