//go:build ignore

/*
 * socket(2) and socketpair(2) for AF_UNIX: argument checks in Linux's
 * order (flags, family, type, protocol), SOCK_RAW taken as SOCK_DGRAM,
 * SOCK_NONBLOCK and SOCK_CLOEXEC, what fstat and fcntl show of a socket,
 * the identity options (SO_TYPE, SO_DOMAIN, SO_PROTOCOL, SO_ACCEPTCONN),
 * ENOTSOCK on other files, and EAFNOSUPPORT for families the kernel does
 * not know.
 */
#include "testutil.h"
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

static int getint(int fd, int opt)
{
	int v = -12345;
	socklen_t l = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, opt, &v, &l) != 0)
		return -1000 - errno;
	if (l != sizeof(int))
		return -2000;
	return v;
}

int main(void)
{
	/* Flags are checked first, then the family, then the type. */
	CHECK_ERRNO(socket(AF_UNIX, SOCK_STREAM | 0x100, 0), -1, EINVAL);
	CHECK_ERRNO(socket(12345, SOCK_STREAM | 0x100, 0), -1, EINVAL);
	CHECK_ERRNO(socket(-1, SOCK_STREAM, 0), -1, EAFNOSUPPORT);
	CHECK_ERRNO(socket(46, SOCK_STREAM, 0), -1, EAFNOSUPPORT);
	CHECK_ERRNO(socket(200, SOCK_STREAM, 0), -1, EAFNOSUPPORT);
	CHECK_ERRNO(socket(AF_UNIX, 11, 0), -1, EINVAL);
	CHECK_ERRNO(socket(AF_UNIX, 4 /* SOCK_RDM */, 0), -1, ESOCKTNOSUPPORT);
	CHECK_ERRNO(socket(AF_UNIX, 10 /* SOCK_PACKET */, 0), -1, ESOCKTNOSUPPORT);
	CHECK_ERRNO(socket(AF_UNIX, SOCK_STREAM, 2), -1, EPROTONOSUPPORT);
	CHECK_ERRNO(socketpair(AF_UNIX, SOCK_STREAM | 0x100, 0, (int[2]){0}), -1, EINVAL);
	CHECK_ERRNO(socketpair(300, SOCK_STREAM, 0, (int[2]){0}), -1, EAFNOSUPPORT);
	CHECK_ERRNO(socketpair(AF_UNIX, 4, 0, (int[2]){0}), -1, ESOCKTNOSUPPORT);

	/* Each type, with protocol 0 or PF_UNIX. */
	int types[] = {SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET};
	for (int i = 0; i < 3; i++) {
		for (int proto = 0; proto <= 1; proto++) {
			int s = socket(AF_UNIX, types[i], proto);
			ASSERT_OK(s);
			CHECK_EQ(getint(s, SO_TYPE), types[i]);
			CHECK_EQ(getint(s, SO_DOMAIN), AF_UNIX);
			CHECK_EQ(getint(s, SO_PROTOCOL), 0);
			CHECK_EQ(getint(s, SO_ACCEPTCONN), 0);
			CHECK_EQ(getint(s, SO_ERROR), 0);
			CHECK_EQ(close(s), 0);
		}
	}
	/* AF_LOCAL is AF_UNIX; SOCK_RAW is a datagram socket. */
	int s = socket(AF_LOCAL, SOCK_RAW, 0);
	ASSERT_OK(s);
	CHECK_EQ(getint(s, SO_TYPE), SOCK_DGRAM);
	close(s);

	/* The file: S_IFSOCK 0777, O_RDWR, no flags by default. */
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	ASSERT_OK(s);
	struct stat st;
	CHECK_EQ(fstat(s, &st), 0);
	CHECK_EQ(st.st_mode, S_IFSOCK | 0777);
	CHECK_EQ(st.st_nlink, 1);
	CHECK_EQ(st.st_uid, geteuid());
	CHECK_EQ(st.st_size, 0);
	CHECK_EQ(st.st_blksize, 4096);
	CHECK_EQ(fcntl(s, F_GETFL), O_RDWR);
	CHECK_EQ(fcntl(s, F_GETFD), 0);
	int s2 = socket(AF_UNIX, SOCK_STREAM, 0);
	struct stat st2;
	CHECK_EQ(fstat(s2, &st2), 0);
	CHECK_NE(st.st_ino, st2.st_ino);
	CHECK_EQ(st.st_dev, st2.st_dev);
	close(s2);

	/* SOCK_NONBLOCK and SOCK_CLOEXEC. */
	int n = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	ASSERT_OK(n);
	CHECK_EQ(fcntl(n, F_GETFL), O_RDWR | O_NONBLOCK);
	CHECK_EQ(fcntl(n, F_GETFD), FD_CLOEXEC);
	char c;
	CHECK_ERRNO(recv(n, &c, 1, 0), -1, EAGAIN);
	close(n);
	int sv[2];
	ASSERT_OK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv));
	CHECK_EQ(fcntl(sv[0], F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(sv[1], F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(sv[1], F_GETFL), O_RDWR);
	CHECK_EQ(getint(sv[0], SO_TYPE), SOCK_SEQPACKET);
	CHECK_EQ(sv[1], sv[0] + 1);
	close(sv[0]);
	close(sv[1]);
	CHECK_ERRNO(RAW(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, 8), -1, EFAULT);

	/* Socket calls on other files. */
	int p[2];
	ASSERT_OK(pipe(p));
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	socklen_t al = sizeof(a);
	int v = 1;
	CHECK_ERRNO(bind(p[0], (struct sockaddr *)&a, sizeof(a)), -1, ENOTSOCK);
	CHECK_ERRNO(listen(p[0], 1), -1, ENOTSOCK);
	CHECK_ERRNO(accept(p[0], NULL, NULL), -1, ENOTSOCK);
	CHECK_ERRNO(connect(p[0], (struct sockaddr *)&a, sizeof(a)), -1, ENOTSOCK);
	CHECK_ERRNO(getsockname(p[0], (struct sockaddr *)&a, &al), -1, ENOTSOCK);
	CHECK_ERRNO(getpeername(p[0], (struct sockaddr *)&a, &al), -1, ENOTSOCK);
	CHECK_ERRNO(shutdown(p[0], SHUT_RD), -1, ENOTSOCK);
	CHECK_ERRNO(send(p[1], "x", 1, 0), -1, ENOTSOCK);
	CHECK_ERRNO(recv(p[0], &c, 1, 0), -1, ENOTSOCK);
	CHECK_ERRNO(setsockopt(p[0], SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)), -1, ENOTSOCK);
	CHECK_ERRNO(getsockopt(p[0], SOL_SOCKET, SO_TYPE, &v, &al), -1, ENOTSOCK);
	CHECK_ERRNO(bind(1000, (struct sockaddr *)&a, sizeof(a)), -1, EBADF);
	CHECK_ERRNO(send(-1, "x", 1, 0), -1, EBADF);
	/* accept4 checks the fd, then the flags, then the file's kind. */
	CHECK_ERRNO(accept4(1000, NULL, NULL, 0x1234), -1, EBADF);
	CHECK_ERRNO(accept4(p[0], NULL, NULL, 0x1234), -1, EINVAL);

	/* Reading and writing a socketpair with read(2) and write(2). */
	ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_EQ(write(sv[0], "hello", 5), 5);
	char buf[16];
	CHECK_EQ(read(sv[1], buf, sizeof(buf)), 5);
	CHECK_MEMEQ(buf, "hello", 5);
	close(sv[0]);
	close(sv[1]);
	close(s);
	return test_done();
}
