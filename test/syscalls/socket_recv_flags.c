//go:build ignore

/*
 * Receive flags: MSG_PEEK (streams peek across writes; datagrams peek one
 * message), MSG_TRUNC (a datagram's full length; no effect on streams),
 * MSG_WAITALL (waits for the whole buffer from a slow writer, returns
 * short at end of stream), zero-length reads, msg_flags and
 * MSG_CMSG_CLOEXEC echoed, and SO_RCVTIMEO/SO_SNDTIMEO making blocking
 * calls give up with EAGAIN after the timeout.
 */
#include "testutil.h"
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

int main(void)
{
	int sv[2];
	char buf[64];

	/* Streams. */
	ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_EQ(send(sv[0], "abc", 3, 0), 3);
	CHECK_EQ(send(sv[0], "def", 3, 0), 3);
	CHECK_EQ(recv(sv[1], buf, sizeof(buf), MSG_PEEK), 6);
	CHECK_MEMEQ(buf, "abcdef", 6);
	CHECK_EQ(recv(sv[1], buf, 4, MSG_PEEK), 4);
	CHECK_EQ(recv(sv[1], buf, 2, 0), 2);
	CHECK_EQ(recv(sv[1], buf, sizeof(buf), MSG_PEEK), 4);
	CHECK_MEMEQ(buf, "cdef", 4);
	/* MSG_TRUNC changes nothing for a stream. */
	CHECK_EQ(recv(sv[1], buf, 1, MSG_TRUNC), 1);
	CHECK_MEMEQ(buf, "c", 1);
	/* A zero-length read returns 0 if data is there, else EAGAIN. */
	CHECK_EQ(recv(sv[1], buf, 0, MSG_DONTWAIT), 0);
	CHECK_EQ(recv(sv[1], buf, sizeof(buf), 0), 3);
	CHECK_ERRNO(recv(sv[1], buf, 0, MSG_DONTWAIT), -1, EAGAIN);
	/* recvmsg: msg_flags is output only; MSG_CMSG_CLOEXEC shows in it. */
	CHECK_EQ(send(sv[0], "gh", 2, 0), 2);
	struct iovec iov = {buf, sizeof(buf)};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	m.msg_flags = 0x7fff;
	CHECK_EQ(recvmsg(sv[1], &m, MSG_CMSG_CLOEXEC), 2);
	CHECK_EQ(m.msg_flags, MSG_CMSG_CLOEXEC);

	/* MSG_WAITALL: a child writes 3 pieces with pauses; one recv gets
	 * all 9 bytes. */
	pid_t pid = test_fork();
	if (pid == 0) {
		for (int i = 0; i < 3; i++) {
			usleep(30000);
			CHECK_EQ(send(sv[0], "123", 3, 0), 3);
		}
		child_exit();
	}
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(recv(sv[1], buf, 9, MSG_WAITALL), 9);
	CHECK_MEMEQ(buf, "123123123", 9);
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	/* At end of stream MSG_WAITALL returns what there is. */
	CHECK_EQ(send(sv[0], "xy", 2, 0), 2);
	CHECK_EQ(shutdown(sv[0], SHUT_WR), 0);
	CHECK_EQ(recv(sv[1], buf, sizeof(buf), MSG_WAITALL), 2);
	CHECK_EQ(recv(sv[1], buf, sizeof(buf), MSG_WAITALL), 0);
	/* MSG_WAITALL with MSG_DONTWAIT returns what there is at once. */
	close(sv[0]);
	close(sv[1]);
	ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_EQ(send(sv[0], "ab", 2, 0), 2);
	CHECK_EQ(recv(sv[1], buf, sizeof(buf), MSG_WAITALL | MSG_DONTWAIT), 2);
	CHECK_ERRNO(recv(sv[1], buf, sizeof(buf), MSG_WAITALL | MSG_DONTWAIT), -1, EAGAIN);

	/* SO_RCVTIMEO: recv gives up after the timeout with EAGAIN, even
	 * with MSG_WAITALL after some data (which it returns). */
	struct timeval tv = {0, 100000};
	CHECK_EQ(setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	long long t0 = now_ns();
	CHECK_ERRNO(recv(sv[1], buf, sizeof(buf), 0), -1, EAGAIN);
	long long dt = now_ns() - t0;
	CHECK_GE(dt, 90000000LL);
	CHECK_LT(dt, 2000000000LL);
	CHECK_EQ(send(sv[0], "abc", 3, 0), 3);
	CHECK_EQ(recv(sv[1], buf, 10, MSG_WAITALL), 3);
	/* SO_SNDTIMEO: a send to a full socket gives up; what was sent of a
	 * large send is returned. */
	CHECK_EQ(setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), 0);
	static char big[1 << 20];
	ssize_t n = send(sv[0], big, sizeof(big), 0);
	CHECK_GT(n, 0);
	CHECK_LT(n, (ssize_t)sizeof(big));
	t0 = now_ns();
	CHECK_ERRNO(send(sv[0], big, sizeof(big), 0), -1, EAGAIN);
	CHECK_GE(now_ns() - t0, 90000000LL);
	close(sv[0]);
	close(sv[1]);

	/* Datagrams: peek one message at a time; MSG_TRUNC gives the full
	 * length; MSG_WAITALL does not join messages. */
	ASSERT_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	CHECK_EQ(send(sv[0], "first", 5, 0), 5);
	CHECK_EQ(send(sv[0], "second", 6, 0), 6);
	CHECK_EQ(recv(sv[1], buf, sizeof(buf), MSG_PEEK), 5);
	CHECK_EQ(recv(sv[1], buf, 2, MSG_PEEK | MSG_TRUNC), 5);
	CHECK_EQ(recv(sv[1], buf, sizeof(buf), MSG_WAITALL), 5);
	iov.iov_len = 3;
	m.msg_flags = 0;
	CHECK_EQ(recvmsg(sv[1], &m, MSG_TRUNC), 6);
	CHECK_EQ(m.msg_flags, MSG_TRUNC);
	CHECK_MEMEQ(buf, "sec", 3);
	/* SO_RCVTIMEO on a datagram socket. */
	CHECK_EQ(setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	t0 = now_ns();
	CHECK_ERRNO(recv(sv[1], buf, sizeof(buf), 0), -1, EAGAIN);
	CHECK_GE(now_ns() - t0, 90000000LL);
	/* A negative timeout makes blocking calls return at once. */
	struct timeval neg = {-1, 0};
	CHECK_EQ(setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &neg, sizeof(neg)), 0);
	t0 = now_ns();
	CHECK_ERRNO(recv(sv[1], buf, sizeof(buf), 0), -1, EAGAIN);
	CHECK_LT(now_ns() - t0, 1000000000LL);
	close(sv[0]);
	close(sv[1]);
	return test_done();
}
