//go:build ignore

/*
 * SO_PEERCRED: the pid and effective IDs of the peer when the connection
 * was made. A socketpair shows its creator on both ends. A connecting
 * client sees the process that called listen, and the accepted socket
 * the process that called connect (checked with a child as the client),
 * even after that process exits. An unconnected socket shows pid 0 and
 * IDs -1; a listener shows itself. Short option buffers truncate; the
 * option cannot be set.
 */
#include "testutil.h"
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

static struct ucred peercred(int fd)
{
	struct ucred uc;
	memset(&uc, 0x55, sizeof(uc));
	socklen_t l = sizeof(uc);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &l) != 0)
		FAIL("getsockopt(SO_PEERCRED): errno %d", errno);
	if (l != sizeof(uc))
		FAIL("SO_PEERCRED length %u", l);
	return uc;
}

int main(void)
{
	int sv[2];
	struct ucred uc;

	/* socketpair: both ends show the creator. */
	ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	uc = peercred(sv[0]);
	CHECK_EQ(uc.pid, getpid());
	CHECK_EQ(uc.uid, geteuid());
	CHECK_EQ(uc.gid, getegid());
	uc = peercred(sv[1]);
	CHECK_EQ(uc.pid, getpid());
	/* Short buffers get the first bytes; a longer one the struct. */
	pid_t pid_only = 0;
	socklen_t l = sizeof(pid_only);
	CHECK_EQ(getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &pid_only, &l), 0);
	CHECK_EQ(l, sizeof(pid_only));
	CHECK_EQ(pid_only, getpid());
	char big[32];
	l = sizeof(big);
	CHECK_EQ(getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, big, &l), 0);
	CHECK_EQ(l, sizeof(struct ucred));
	l = -1;
	CHECK_ERRNO(getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, big, &l), -1, EINVAL);
	CHECK_ERRNO(setsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &uc, sizeof(uc)), -1, ENOPROTOOPT);
	/* The creator's credentials stay after it passes the socket on. */
	pid_t pid = test_fork();
	if (pid == 0) {
		struct ucred c = peercred(sv[1]);
		CHECK_EQ(c.pid, getppid());
		child_exit();
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	close(sv[0]);
	close(sv[1]);
	ASSERT_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	CHECK_EQ(peercred(sv[0]).pid, getpid());
	close(sv[0]);
	close(sv[1]);

	/* Unconnected: pid 0, IDs -1. */
	int u = socket(AF_UNIX, SOCK_STREAM, 0);
	uc = peercred(u);
	CHECK_EQ(uc.pid, 0);
	CHECK_EQ(uc.uid, (uid_t)-1);
	CHECK_EQ(uc.gid, (gid_t)-1);

	/* Listener in this process, client in a child. */
	int l0 = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int n = snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "moat-peercred-%d", getpid());
	socklen_t alen = offsetof(struct sockaddr_un, sun_path) + 1 + n;
	ASSERT_OK(bind(l0, (struct sockaddr *)&a, alen));
	ASSERT_OK(listen(l0, 5));
	CHECK_EQ(peercred(l0).pid, getpid());
	int ready[2];
	ASSERT_OK(pipe(ready));
	pid = test_fork();
	if (pid == 0) {
		int c = socket(AF_UNIX, SOCK_STREAM, 0);
		CHECK_EQ(connect(c, (struct sockaddr *)&a, alen), 0);
		struct ucred cc = peercred(c);
		CHECK_EQ(cc.pid, getppid());
		CHECK_EQ(cc.uid, geteuid());
		CHECK_EQ(write(ready[1], "k", 1), 1);
		child_exit();
	}
	char k;
	CHECK_EQ(read(ready[0], &k, 1), 1);
	int s = accept(l0, NULL, NULL);
	ASSERT_OK(s);
	uc = peercred(s);
	CHECK_EQ(uc.pid, pid);
	CHECK_EQ(uc.uid, geteuid());
	CHECK_EQ(uc.gid, getegid());
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	/* Still the same after the client exited. */
	CHECK_EQ(peercred(s).pid, pid);
	/* Connecting in this process: the client side sees the listener
	 * (this process too). */
	int c = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_EQ(connect(c, (struct sockaddr *)&a, alen), 0);
	CHECK_EQ(peercred(c).pid, getpid());
	int s2 = accept(l0, NULL, NULL);
	CHECK_EQ(peercred(s2).pid, getpid());
	close(c);
	close(s);
	close(s2);
	close(l0);
	close(u);
	return test_done();
}
