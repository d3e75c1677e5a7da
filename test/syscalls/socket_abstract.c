//go:build ignore

/*
 * Stream sockets over abstract names: bind (names with NULs, exact
 * lengths, EADDRINUSE, EINVAL when bound, bad addresses), autobind,
 * listen (EINVAL unbound or connected), connect (ECONNREFUSED without a
 * listener, EISCONN, EINVAL from a listener), the backlog (backlog + 1
 * pending connections, then EAGAIN or blocking), accept and accept4
 * (flags, peer address, EAGAIN), names on both ends, data before accept,
 * a listener closed with pending connections resetting them, and an
 * accept without a free fd (EMFILE) leaving its connection queued.
 */
#include "testutil.h"
#include <fcntl.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>

static socklen_t abstract(struct sockaddr_un *a, const char *name)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	int n = snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "moat-abs-%d-%s", getpid(), name);
	return offsetof(struct sockaddr_un, sun_path) + 1 + n;
}

#define SA(a) ((struct sockaddr *)(a))

int main(void)
{
	struct sockaddr_un a, b, g;
	socklen_t alen, gl;
	char buf[64];

	/* Binding: the name is every byte after the leading NUL. */
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	ASSERT_OK(l);
	alen = abstract(&a, "l");
	ASSERT_OK(bind(l, SA(&a), alen));
	gl = sizeof(g);
	CHECK_EQ(getsockname(l, SA(&g), &gl), 0);
	CHECK_EQ(gl, alen);
	CHECK_MEMEQ(&g, &a, alen);
	CHECK_ERRNO(bind(l, SA(&a), alen), -1, EINVAL);
	b = a;
	CHECK_ERRNO(bind(socket(AF_UNIX, SOCK_STREAM, 0), SA(&b), alen), -1, EADDRINUSE);
	/* A name one byte longer (a trailing NUL) is another name. */
	int l2 = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_EQ(bind(l2, SA(&b), alen + 1), 0);
	gl = sizeof(g);
	CHECK_EQ(getsockname(l2, SA(&g), &gl), 0);
	CHECK_EQ(gl, alen + 1);
	close(l2);
	/* The same name in another type's namespace is free. */
	int d = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK_EQ(bind(d, SA(&a), alen), 0);
	close(d);
	/* Bad addresses. */
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_ERRNO(bind(s, SA(&b), 0), -1, EINVAL);
	CHECK_ERRNO(bind(s, SA(&b), 1), -1, EINVAL);
	CHECK_ERRNO(bind(s, SA(&b), sizeof(struct sockaddr_un) + 1), -1, EINVAL);
	CHECK_ERRNO(bind(s, SA(&b), sizeof(struct sockaddr_storage) + 1), -1, EINVAL);
	CHECK_ERRNO(bind(s, SA(&b), -1), -1, EINVAL);
	CHECK_ERRNO(bind(s, NULL, alen), -1, EFAULT);
	b.sun_family = AF_INET;
	CHECK_ERRNO(bind(s, SA(&b), alen), -1, EINVAL);
	/* Autobind: "\0" and five hex digits; again is a no-op. */
	b.sun_family = AF_UNIX;
	CHECK_EQ(bind(s, SA(&b), sizeof(sa_family_t)), 0);
	gl = sizeof(g);
	CHECK_EQ(getsockname(s, SA(&g), &gl), 0);
	CHECK_EQ(gl, offsetof(struct sockaddr_un, sun_path) + 6);
	CHECK_EQ(g.sun_path[0], 0);
	for (int i = 1; i <= 5; i++)
		CHECK(strchr("0123456789abcdef", g.sun_path[i]) != NULL && g.sun_path[i] != 0);
	CHECK_EQ(bind(s, SA(&b), sizeof(sa_family_t)), 0);
	CHECK_ERRNO(bind(s, SA(&a), alen), -1, EINVAL);
	close(s);

	/* Connect before listen: refused. Listen needs a name. */
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_ERRNO(connect(s, SA(&a), alen), -1, ECONNREFUSED);
	CHECK_ERRNO(listen(s, 1), -1, EINVAL);
	alen = abstract(&a, "l");
	CHECK_ERRNO(connect(s, SA(&a), sizeof(sa_family_t)), -1, EINVAL);
	ASSERT_OK(listen(l, 1));
	int acceptconn = 0;
	socklen_t il = sizeof(acceptconn);
	CHECK_EQ(getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &acceptconn, &il), 0);
	CHECK_EQ(acceptconn, 1);
	/* Listening again changes the backlog. */
	CHECK_EQ(listen(l, 0), 0);
	int ln = fcntl(l, F_GETFL);
	CHECK_EQ(fcntl(l, F_SETFL, ln | O_NONBLOCK), 0);
	CHECK_ERRNO(accept(l, NULL, NULL), -1, EAGAIN);
	CHECK_EQ(fcntl(l, F_SETFL, ln), 0);

	/* Connect: the client is connected at once and may send before
	 * the server accepts. */
	int c1 = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK_EQ(connect(c1, SA(&a), alen), 0);
	CHECK_EQ(send(c1, "early", 5, 0), 5);
	/* Backlog 0 holds one pending connection: the next is EAGAIN. */
	int c2 = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK_ERRNO(connect(c2, SA(&a), alen), -1, EAGAIN);
	/* The client's peer name is the listener's. */
	gl = sizeof(g);
	CHECK_EQ(getpeername(c1, SA(&g), &gl), 0);
	CHECK_EQ(gl, alen);
	CHECK_MEMEQ(&g, &a, alen);
	/* accept4: flags, and the (unnamed) client address. */
	CHECK_ERRNO(accept4(l, NULL, NULL, 0x1234), -1, EINVAL);
	memset(&g, 0x55, sizeof(g));
	gl = sizeof(g);
	int sc = accept4(l, SA(&g), &gl, SOCK_NONBLOCK | SOCK_CLOEXEC);
	ASSERT_OK(sc);
	CHECK_EQ(gl, sizeof(sa_family_t));
	CHECK_EQ(g.sun_family, AF_UNIX);
	CHECK_EQ(fcntl(sc, F_GETFL), O_RDWR | O_NONBLOCK);
	CHECK_EQ(fcntl(sc, F_GETFD), FD_CLOEXEC);
	/* The accepted socket is named after the listener; its peer has
	 * no name. */
	gl = sizeof(g);
	CHECK_EQ(getsockname(sc, SA(&g), &gl), 0);
	CHECK_EQ(gl, alen);
	CHECK_MEMEQ(&g, &a, alen);
	gl = sizeof(g);
	CHECK_EQ(getpeername(sc, SA(&g), &gl), 0);
	CHECK_EQ(gl, sizeof(sa_family_t));
	CHECK_EQ(getsockopt(sc, SOL_SOCKET, SO_ACCEPTCONN, &acceptconn, &il), 0);
	CHECK_EQ(acceptconn, 0);
	CHECK_EQ(recv(sc, buf, sizeof(buf), 0), 5);
	CHECK_MEMEQ(buf, "early", 5);
	/* With room in the backlog (a full one is checked first): a
	 * connected socket is EISCONN, a listener EINVAL. */
	CHECK_ERRNO(connect(c1, SA(&a), alen), -1, EISCONN);
	CHECK_ERRNO(connect(l, SA(&a), alen), -1, EINVAL);
	/* Room again: c2 connects now. A named client shows its name. */
	struct sockaddr_un cn;
	socklen_t cnl = abstract(&cn, "c2");
	CHECK_EQ(bind(c2, SA(&cn), cnl), 0);
	CHECK_EQ(connect(c2, SA(&a), alen), 0);
	gl = sizeof(g);
	int sc2 = accept(l, SA(&g), &gl);
	ASSERT_OK(sc2);
	CHECK_EQ(gl, cnl);
	CHECK_MEMEQ(&g, &cn, cnl);
	gl = sizeof(g);
	CHECK_EQ(getpeername(sc2, SA(&g), &gl), 0);
	CHECK_EQ(gl, cnl);
	/* Data both ways. */
	CHECK_EQ(send(sc2, "ping", 4, 0), 4);
	CHECK_EQ(recv(c2, buf, sizeof(buf), 0), 4);
	CHECK_EQ(send(c2, "pong", 4, 0), 4);
	CHECK_EQ(recv(sc2, buf, sizeof(buf), 0), 4);
	CHECK_MEMEQ(buf, "pong", 4);

	/* A blocking connect waits for room in the backlog: a child
	 * accepts after a moment. */
	int c3 = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_EQ(connect(c3, SA(&a), alen), 0);
	int mark[2];
	ASSERT_OK(pipe2(mark, O_NONBLOCK));
	pid_t pid = test_fork();
	if (pid == 0) {
		usleep(100000);
		CHECK_EQ(write(mark[1], "m", 1), 1);
		int x = accept(l, NULL, NULL);
		CHECK_GE(x, 0);
		child_exit();
	}
	int c4 = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_EQ(connect(c4, SA(&a), alen), 0);
	/* The connect completed after the child started to accept. */
	CHECK_EQ(read(mark[0], buf, 1), 1);
	close(mark[0]);
	close(mark[1]);
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);

	/* Closing the listener resets the pending connection (c4) and frees
	 * the name; accepted ones (c3's went with the child) are not. */
	CHECK_EQ(close(l), 0);
	CHECK_ERRNO(recv(c4, buf, sizeof(buf), 0), -1, ECONNRESET);
	CHECK_EQ(recv(c4, buf, sizeof(buf), 0), 0);
	CHECK_ERRNO(send(c4, "x", 1, MSG_NOSIGNAL), -1, EPIPE);
	CHECK_EQ(send(c2, "still", 5, 0), 5);
	CHECK_EQ(recv(sc2, buf, sizeof(buf), 0), 5);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_ERRNO(connect(s, SA(&a), alen), -1, ECONNREFUSED);
	CHECK_EQ(bind(s, SA(&a), alen), 0);
	close(s);
	close(c1);
	close(c2);
	close(c3);
	close(c4);
	close(sc);
	close(sc2);

	/* accept with no free fd (EMFILE) leaves the connection queued. */
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	alen = abstract(&a, "emfile");
	ASSERT_OK(bind(l, SA(&a), alen));
	ASSERT_OK(listen(l, 5));
	c1 = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_EQ(connect(c1, SA(&a), alen), 0);
	CHECK_EQ(send(c1, "kept", 4, 0), 4);
	struct rlimit old, low;
	ASSERT_OK(getrlimit(RLIMIT_NOFILE, &old));
	int top = dup(0);
	close(top);
	low = old;
	low.rlim_cur = top;
	ASSERT_OK(setrlimit(RLIMIT_NOFILE, &low));
	CHECK_ERRNO(accept(l, NULL, NULL), -1, EMFILE);
	ASSERT_OK(setrlimit(RLIMIT_NOFILE, &old));
	sc = accept(l, NULL, NULL);
	ASSERT_OK(sc);
	CHECK_EQ(recv(sc, buf, sizeof(buf), 0), 4);
	CHECK_MEMEQ(buf, "kept", 4);
	close(sc);
	close(c1);
	close(l);
	return test_done();
}
