//go:build ignore

/*
 * SO_PASSCRED and SCM_CREDENTIALS. A receiver with SO_PASSCRED gets the
 * sender's pid, uid and gid with every message, whether or not the
 * sender supplied them; supplied credentials are checked (the caller's
 * own are accepted; -1 is EINVAL; a bad length is EINVAL; a pid that
 * does not exist is ESRCH or EPERM); a short control buffer truncates
 * them (MSG_CTRUNC); they come before SCM_RIGHTS. SO_PASSCRED makes an
 * unbound datagram sender autobind. Stream reads with SO_PASSCRED do not
 * join data from writers with different credentials.
 */
#include "testutil.h"
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

static int on = 1;

/* recvcred receives and returns the number of SCM_CREDENTIALS messages
 * seen (their last value in *uc); *fds counts SCM_RIGHTS fds, and the
 * first cmsg type is stored in *first. */
static int recvcred(int s, char *buf, size_t len, size_t ctllen, struct ucred *uc, int *msgflags, ssize_t *ret,
		    int *first, int *fds)
{
	union {
		char buf[512];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof(u));
	struct iovec iov = {buf, len};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = ctllen};
	*ret = recvmsg(s, &m, 0);
	if (*ret < 0)
		return -1;
	*msgflags = m.msg_flags;
	int n = 0;
	*first = -1;
	*fds = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		if (*first < 0)
			*first = c->cmsg_type;
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
			memset(uc, 0, sizeof(*uc));
			memcpy(uc, CMSG_DATA(c), c->cmsg_len - CMSG_LEN(0) < sizeof(*uc) ? c->cmsg_len - CMSG_LEN(0)
											   : sizeof(*uc));
			n++;
		}
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (int i = 0; i < k; i++)
				close(((int *)CMSG_DATA(c))[i]);
			*fds += k;
		}
	}
	return n;
}

static ssize_t sendcred(int s, const char *data, pid_t pid, uid_t uid, gid_t gid, size_t clen)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof(u));
	struct iovec iov = {(void *)data, strlen(data)};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_CREDENTIALS;
	c->cmsg_len = clen;
	struct ucred uc = {pid, uid, gid};
	memcpy(CMSG_DATA(c), &uc, sizeof(uc));
	return sendmsg(s, &m, 0);
}

int main(void)
{
	int sv[2], mf, first, nfds;
	ssize_t r;
	char buf[64];
	struct ucred uc;

	ASSERT_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	int v = -1;
	socklen_t l = sizeof(v);
	CHECK_EQ(getsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &v, &l), 0);
	CHECK_EQ(v, 0);
	/* Without SO_PASSCRED: no credentials. */
	CHECK_EQ(send(sv[0], "a", 1, 0), 1);
	CHECK_EQ(recvcred(sv[1], buf, sizeof(buf), 256, &uc, &mf, &r, &first, &nfds), 0);
	CHECK_EQ(mf, 0);
	/* With it: the sender's pid, uid and gid on every message. */
	CHECK_EQ(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)), 0);
	CHECK_EQ(getsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &v, &l), 0);
	CHECK_EQ(v, 1);
	CHECK_EQ(send(sv[0], "b", 1, 0), 1);
	CHECK_EQ(recvcred(sv[1], buf, sizeof(buf), 256, &uc, &mf, &r, &first, &nfds), 1);
	CHECK_EQ(uc.pid, getpid());
	CHECK_EQ(uc.uid, getuid());
	CHECK_EQ(uc.gid, getgid());
	CHECK_EQ(mf, 0);
	/* Supplied credentials, the caller's own. */
	CHECK_EQ(sendcred(sv[0], "c", getpid(), geteuid(), getegid(), CMSG_LEN(sizeof(struct ucred))), 1);
	CHECK_EQ(recvcred(sv[1], buf, sizeof(buf), 256, &uc, &mf, &r, &first, &nfds), 1);
	CHECK_EQ(uc.pid, getpid());
	CHECK_EQ(uc.uid, geteuid());
	/* Invalid: -1 IDs, a bad length. */
	CHECK_ERRNO(sendcred(sv[0], "d", getpid(), (uid_t)-1, getgid(), CMSG_LEN(sizeof(struct ucred))), -1, EINVAL);
	CHECK_ERRNO(sendcred(sv[0], "d", getpid(), getuid(), (gid_t)-1, CMSG_LEN(sizeof(struct ucred))), -1, EINVAL);
	CHECK_ERRNO(sendcred(sv[0], "d", getpid(), getuid(), getgid(), CMSG_LEN(sizeof(struct ucred) - 4)), -1, EINVAL);
	/* Another process's pid: allowed only with CAP_SYS_ADMIN (EPERM),
	 * and a pid that does not exist is ESRCH either way then. */
	pid_t child = test_fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	r = sendcred(sv[0], "e", child, getuid(), getgid(), CMSG_LEN(sizeof(struct ucred)));
	if (r == 1) {
		CHECK_EQ(recvcred(sv[1], buf, sizeof(buf), 256, &uc, &mf, &r, &first, &nfds), 1);
		CHECK_EQ(uc.pid, child);
		CHECK_ERRNO(sendcred(sv[0], "f", 0x3ffffff0, getuid(), getgid(), CMSG_LEN(sizeof(struct ucred))), -1,
			    ESRCH);
	} else {
		CHECK_EQ(errno, EPERM);
	}
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);

	/* A short control buffer truncates the credentials. */
	CHECK_EQ(send(sv[0], "g", 1, 0), 1);
	CHECK_EQ(recvcred(sv[1], buf, sizeof(buf), CMSG_LEN(8), &uc, &mf, &r, &first, &nfds), 1);
	CHECK_EQ(mf, MSG_CTRUNC);
	CHECK_EQ(uc.pid, getpid());
	/* No control buffer at all: MSG_CTRUNC. */
	CHECK_EQ(send(sv[0], "h", 1, 0), 1);
	CHECK_EQ(recv(sv[1], buf, sizeof(buf), 0), 1);
	struct iovec iov = {buf, sizeof(buf)};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	CHECK_EQ(send(sv[0], "h", 1, 0), 1);
	CHECK_EQ(recvmsg(sv[1], &m, 0), 1);
	CHECK_EQ(m.msg_flags, MSG_CTRUNC);
	/* Credentials come before files. */
	{
		union {
			char buf[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} u;
		struct iovec siov = {"i", 1};
		struct msghdr sm = {.msg_iov = &siov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
		struct cmsghdr *c = CMSG_FIRSTHDR(&sm);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		*(int *)CMSG_DATA(c) = 0;
		CHECK_EQ(sendmsg(sv[0], &sm, 0), 1);
		CHECK_EQ(recvcred(sv[1], buf, sizeof(buf), 256, &uc, &mf, &r, &first, &nfds), 1);
		CHECK_EQ(first, SCM_CREDENTIALS);
		CHECK_EQ(nfds, 1);
	}
	close(sv[0]);
	close(sv[1]);

	/* SO_PASSCRED on an unbound datagram sender autobinds it, so the
	 * receiver sees an abstract source address. */
	int rcv = socket(AF_UNIX, SOCK_DGRAM, 0), snd = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int n = snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "moat-creds-%d", getpid());
	socklen_t alen = offsetof(struct sockaddr_un, sun_path) + 1 + n;
	ASSERT_OK(bind(rcv, (struct sockaddr *)&a, alen));
	CHECK_EQ(setsockopt(snd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)), 0);
	CHECK_EQ(sendto(snd, "j", 1, 0, (struct sockaddr *)&a, alen), 1);
	struct sockaddr_un from;
	socklen_t fl = sizeof(from);
	CHECK_EQ(recvfrom(rcv, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl), 1);
	CHECK_EQ(fl, offsetof(struct sockaddr_un, sun_path) + 6);
	CHECK_EQ(from.sun_path[0], 0);
	close(rcv);
	close(snd);

	/* Streams: with SO_PASSCRED, data from two writers with different
	 * pids is not joined in one read. */
	ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_EQ(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)), 0);
	pid_t pid = test_fork();
	if (pid == 0) {
		CHECK_EQ(send(sv[0], "child", 5, 0), 5);
		child_exit();
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	CHECK_EQ(send(sv[0], "parent", 6, 0), 6);
	CHECK_EQ(recvcred(sv[1], buf, sizeof(buf), 256, &uc, &mf, &r, &first, &nfds), 1);
	CHECK_EQ(r, 5);
	CHECK_EQ(uc.pid, pid);
	CHECK_EQ(recvcred(sv[1], buf, sizeof(buf), 256, &uc, &mf, &r, &first, &nfds), 1);
	CHECK_EQ(r, 6);
	CHECK_EQ(uc.pid, getpid());
	/* Without SO_PASSCRED they are joined. */
	CHECK_EQ(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &(int){0}, sizeof(int)), 0);
	pid = test_fork();
	if (pid == 0) {
		CHECK_EQ(send(sv[0], "child", 5, 0), 5);
		child_exit();
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_EQ(send(sv[0], "parent", 6, 0), 6);
	CHECK_EQ(recv(sv[1], buf, sizeof(buf), 0), 11);
	close(sv[0]);
	close(sv[1]);
	return test_done();
}
