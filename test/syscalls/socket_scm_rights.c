//go:build ignore

/*
 * SCM_RIGHTS: passing a pipe end over a socket gives the receiver a new
 * fd for the same open file (data written through one end is read
 * through the other; the passed file stays open after the sender closes
 * its fd). MSG_CMSG_CLOEXEC; MSG_CTRUNC and closed files when the
 * control buffer is short or absent; MSG_PEEK duplicates; several fds in
 * one message and across messages; malformed control messages (EINVAL),
 * bad fds (EBADF), other levels ignored; files over a stream stop a read
 * at their message; a socket passed over itself; passing to another
 * process.
 */
#include "testutil.h"
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

/* sendfds sends data with fds (count n) in one SCM_RIGHTS message. */
static ssize_t sendfds(int s, const char *data, size_t len, const int *fds, int n)
{
	union {
		char buf[CMSG_SPACE(16 * sizeof(int))];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof(u));
	struct iovec iov = {(void *)data, len};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	if (n > 0) {
		m.msg_control = u.buf;
		m.msg_controllen = CMSG_SPACE(n * sizeof(int));
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(n * sizeof(int));
		memcpy(CMSG_DATA(c), fds, n * sizeof(int));
	}
	return sendmsg(s, &m, 0);
}

/* recvfds receives into buf with a control buffer of ctllen bytes and
 * returns the number of fds received (into fds), or -1. */
static int recvfds(int s, char *buf, size_t len, size_t ctllen, int flags, int *fds, int *msgflags, ssize_t *ret)
{
	union {
		char buf[512];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof(u));
	struct iovec iov = {buf, len};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctllen ? u.buf : NULL,
			   .msg_controllen = ctllen};
	*ret = recvmsg(s, &m, flags);
	if (*ret < 0)
		return -1;
	*msgflags = m.msg_flags;
	int n = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		int k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		memcpy(fds + n, CMSG_DATA(c), k * sizeof(int));
		n += k;
	}
	return n;
}

static int is_open(int fd) { return fcntl(fd, F_GETFD) != -1; }

int main(void)
{
	int sv[2], p[2], fds[16], mf;
	ssize_t r;
	char buf[64];
	struct stat st1, st2;

	ASSERT_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	ASSERT_OK(pipe(p));

	/* Pass the write end; the sender closes its fd; data written to the
	 * received fd comes out of the read end. */
	CHECK_EQ(sendfds(sv[0], "w", 1, &p[1], 1), 1);
	CHECK_EQ(close(p[1]), 0);
	CHECK_EQ(recvfds(sv[1], buf, sizeof(buf), CMSG_SPACE(sizeof(int)), 0, fds, &mf, &r), 1);
	CHECK_EQ(r, 1);
	CHECK_EQ(mf, 0);
	int w = fds[0];
	CHECK_EQ(fcntl(w, F_GETFD), 0);
	CHECK_EQ(fcntl(w, F_GETFL) & O_ACCMODE, O_WRONLY);
	CHECK_EQ(write(w, "via", 3), 3);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 3);
	CHECK_MEMEQ(buf, "via", 3);
	/* Closing the received fd closes the last write end: EOF. */
	CHECK_EQ(close(w), 0);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 0);
	close(p[0]);

	/* Two fds, MSG_CMSG_CLOEXEC; both refer to the same files. */
	ASSERT_OK(pipe(p));
	CHECK_EQ(sendfds(sv[0], "2", 1, p, 2), 1);
	CHECK_EQ(recvfds(sv[1], buf, sizeof(buf), CMSG_SPACE(2 * sizeof(int)), MSG_CMSG_CLOEXEC, fds, &mf, &r), 2);
	CHECK_EQ(mf, MSG_CMSG_CLOEXEC);
	CHECK_EQ(fcntl(fds[0], F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(fds[1], F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fstat(fds[0], &st1), 0);
	CHECK_EQ(fstat(p[0], &st2), 0);
	CHECK_EQ(st1.st_ino, st2.st_ino);
	close(fds[0]);
	close(fds[1]);

	/* MSG_PEEK installs duplicates and leaves the message. */
	CHECK_EQ(sendfds(sv[0], "pk", 2, &p[0], 1), 2);
	CHECK_EQ(recvfds(sv[1], buf, sizeof(buf), CMSG_SPACE(sizeof(int)), MSG_PEEK, fds, &mf, &r), 1);
	CHECK_EQ(recvfds(sv[1], buf, sizeof(buf), CMSG_SPACE(sizeof(int)), 0, fds + 1, &mf, &r), 1);
	CHECK_NE(fds[0], fds[1]);
	CHECK(is_open(fds[0]) && is_open(fds[1]));
	close(fds[0]);
	close(fds[1]);

	/* Room for one of two fds (CMSG_SPACE(sizeof(int)) would hold two):
	 * MSG_CTRUNC, the second is closed (the next free fd is the one it
	 * would have had). */
	CHECK_EQ(sendfds(sv[0], "tr", 2, p, 2), 2);
	CHECK_EQ(recvfds(sv[1], buf, sizeof(buf), CMSG_LEN(sizeof(int)), 0, fds, &mf, &r), 1);
	CHECK_EQ(mf, MSG_CTRUNC);
	int probe = dup(0);
	CHECK_EQ(probe, fds[0] + 1);
	close(probe);
	close(fds[0]);
	/* No control buffer: MSG_CTRUNC, nothing installed. */
	CHECK_EQ(sendfds(sv[0], "nc", 2, p, 2), 2);
	probe = dup(0);
	close(probe);
	CHECK_EQ(recvfds(sv[1], buf, sizeof(buf), 0, 0, fds, &mf, &r), 0);
	CHECK_EQ(r, 2);
	CHECK_EQ(mf, MSG_CTRUNC);
	CHECK_EQ(dup(0), probe);
	close(probe);
	/* A buffer smaller than a header: MSG_CTRUNC. */
	CHECK_EQ(sendfds(sv[0], "sm", 2, p, 1), 2);
	CHECK_EQ(recvfds(sv[1], buf, sizeof(buf), sizeof(struct cmsghdr), 0, fds, &mf, &r), 0);
	CHECK_EQ(mf, MSG_CTRUNC);
	/* read(2) and recv(2) drop passed files. */
	CHECK_EQ(sendfds(sv[0], "rd", 2, p, 2), 2);
	CHECK_EQ(read(sv[1], buf, sizeof(buf)), 2);
	CHECK_EQ(dup(0), probe);
	close(probe);

	/* Malformed control messages. */
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {"x", 1};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(2 * sizeof(int));
	((int *)CMSG_DATA(c))[0] = p[0];
	((int *)CMSG_DATA(c))[1] = 999;
	CHECK_ERRNO(sendmsg(sv[0], &m, 0), -1, EBADF);
	((int *)CMSG_DATA(c))[1] = p[1];
	c->cmsg_len = sizeof(struct cmsghdr) - 1;
	CHECK_ERRNO(sendmsg(sv[0], &m, 0), -1, EINVAL);
	c->cmsg_len = sizeof(u.buf) + 1;
	CHECK_ERRNO(sendmsg(sv[0], &m, 0), -1, EINVAL);
	c->cmsg_len = CMSG_LEN(2 * sizeof(int));
	c->cmsg_type = 77;
	CHECK_ERRNO(sendmsg(sv[0], &m, 0), -1, EINVAL);
	c->cmsg_type = SCM_RIGHTS;
	/* Another level is ignored: the data goes, without files. */
	c->cmsg_level = SOL_SOCKET + 1000;
	CHECK_EQ(sendmsg(sv[0], &m, 0), 1);
	CHECK_EQ(recvfds(sv[1], buf, sizeof(buf), sizeof(u.buf), 0, fds, &mf, &r), 0);
	CHECK_EQ(mf, 0);
	c->cmsg_level = SOL_SOCKET;
	/* A control buffer too short for a header is ignored. */
	m.msg_controllen = sizeof(struct cmsghdr) - 1;
	CHECK_EQ(sendmsg(sv[0], &m, 0), 1);
	CHECK_EQ(recvfds(sv[1], buf, sizeof(buf), sizeof(u.buf), 0, fds, &mf, &r), 0);
	/* A header with no fds sends none. */
	m.msg_controllen = sizeof(u.buf);
	c->cmsg_len = CMSG_LEN(0);
	CHECK_EQ(sendmsg(sv[0], &m, 0), 1);
	CHECK_EQ(recvfds(sv[1], buf, sizeof(buf), sizeof(u.buf), 0, fds, &mf, &r), 0);
	/* More than SCM_MAX_FD (253) fds: EINVAL. */
	static union {
		char buf[CMSG_SPACE(254 * sizeof(int))];
		struct cmsghdr align;
	} many;
	struct msghdr mm = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = many.buf, .msg_controllen = sizeof(many.buf)};
	c = CMSG_FIRSTHDR(&mm);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(254 * sizeof(int));
	for (int i = 0; i < 254; i++)
		((int *)CMSG_DATA(c))[i] = p[0];
	CHECK_ERRNO(sendmsg(sv[0], &mm, 0), -1, EINVAL);
	c->cmsg_len = CMSG_LEN(253 * sizeof(int));
	mm.msg_controllen = CMSG_SPACE(253 * sizeof(int));
	CHECK_EQ(sendmsg(sv[0], &mm, 0), 1);
	CHECK_EQ(recvfds(sv[1], buf, sizeof(buf), 0, 0, fds, &mf, &r), 0);
	CHECK_EQ(mf, MSG_CTRUNC);
	close(sv[0]);
	close(sv[1]);

	/* Over a stream, a read stops after the piece that carried files. */
	ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_EQ(send(sv[0], "ab", 2, 0), 2);
	CHECK_EQ(sendfds(sv[0], "cd", 2, &p[0], 1), 2);
	CHECK_EQ(send(sv[0], "ef", 2, 0), 2);
	CHECK_EQ(recvfds(sv[1], buf, sizeof(buf), CMSG_SPACE(sizeof(int)), MSG_PEEK, fds, &mf, &r), 1);
	CHECK_EQ(r, 4);
	close(fds[0]);
	CHECK_EQ(recvfds(sv[1], buf, sizeof(buf), CMSG_SPACE(sizeof(int)), 0, fds, &mf, &r), 1);
	CHECK_EQ(r, 4);
	CHECK_MEMEQ(buf, "abcd", 4);
	close(fds[0]);
	CHECK_EQ(recvfds(sv[1], buf, sizeof(buf), CMSG_SPACE(sizeof(int)), 0, fds, &mf, &r), 0);
	CHECK_EQ(r, 2);
	CHECK_MEMEQ(buf, "ef", 2);
	/* A socket passed over itself, received back. */
	CHECK_EQ(sendfds(sv[0], "s", 1, &sv[1], 1), 1);
	CHECK_EQ(recvfds(sv[1], buf, sizeof(buf), CMSG_SPACE(sizeof(int)), 0, fds, &mf, &r), 1);
	CHECK_EQ(fstat(fds[0], &st1), 0);
	CHECK_EQ(fstat(sv[1], &st2), 0);
	CHECK_EQ(st1.st_ino, st2.st_ino);
	CHECK(S_ISSOCK(st1.st_mode));
	close(fds[0]);

	/* To another process: the child gets the read end of a new pipe and
	 * reads what the parent writes afterwards. */
	int q[2];
	ASSERT_OK(pipe(q));
	pid_t pid = test_fork();
	if (pid == 0) {
		close(sv[0]);
		close(q[0]);
		close(q[1]);
		int got[4], f2;
		ssize_t rr;
		CHECK_EQ(recvfds(sv[1], buf, sizeof(buf), CMSG_SPACE(sizeof(int)), 0, got, &f2, &rr), 1);
		char b2[16];
		CHECK_EQ(read(got[0], b2, sizeof(b2)), 5);
		CHECK_MEMEQ(b2, "later", 5);
		child_exit();
	}
	CHECK_EQ(sendfds(sv[0], "q", 1, &q[0], 1), 1);
	close(q[0]);
	CHECK_EQ(write(q[1], "later", 5), 5);
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	close(q[1]);
	close(sv[0]);
	close(sv[1]);
	close(p[0]);
	close(p[1]);
	return test_done();
}
