//go:build ignore

/*
 * sendmmsg and recvmmsg on unix datagram and stream sockets: several
 * messages per call with each msg_len filled in; a batch that fails
 * part-way returns the count sent; recvmmsg returns what is there with
 * MSG_DONTWAIT, waits only for the first with MSG_WAITFORONE, reports
 * per-message MSG_TRUNC and source addresses, and writes back the time
 * left of its timeout; errors with nothing transferred are returned.
 */
#include "testutil.h"
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

#define N 4

int main(void)
{
	int sv[2];
	struct mmsghdr mm[N];
	struct iovec iov[N];
	char data[N][16], bufs[N][16];

	ASSERT_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	memset(mm, 0, sizeof(mm));
	for (int i = 0; i < N; i++) {
		int n = snprintf(data[i], sizeof(data[i]), "msg-%d%s", i, i == 2 ? "-long" : "");
		iov[i] = (struct iovec){data[i], n};
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_len = 12345;
	}
	CHECK_EQ(sendmmsg(sv[0], mm, N, 0), N);
	for (int i = 0; i < N; i++)
		CHECK_EQ(mm[i].msg_len, iov[i].iov_len);
	CHECK_EQ(sendmmsg(sv[0], mm, 0, 0), 0);

	/* Receive them; message 2 does not fit its 6-byte buffer. */
	struct mmsghdr rm[N + 1];
	struct iovec riov[N + 1];
	memset(rm, 0, sizeof(rm));
	for (int i = 0; i <= N; i++) {
		riov[i] = (struct iovec){bufs[i % N], 6};
		rm[i].msg_hdr.msg_iov = &riov[i];
		rm[i].msg_hdr.msg_iovlen = 1;
	}
	CHECK_EQ(recvmmsg(sv[1], rm, N + 1, MSG_DONTWAIT, NULL), N);
	for (int i = 0; i < N; i++) {
		CHECK_EQ(rm[i].msg_len, i == 2 ? 6 : 5);
		CHECK_EQ(rm[i].msg_hdr.msg_flags, i == 2 ? MSG_TRUNC : 0);
	}
	CHECK_MEMEQ(bufs[3], "msg-3", 5);
	/* Nothing there: EAGAIN. */
	CHECK_ERRNO(recvmmsg(sv[1], rm, N, MSG_DONTWAIT, NULL), -1, EAGAIN);
	/* MSG_TRUNC reports full lengths. */
	CHECK_EQ(sendmmsg(sv[0], mm, N, 0), N);
	CHECK_EQ(recvmmsg(sv[1], rm, N, MSG_DONTWAIT | MSG_TRUNC, NULL), N);
	CHECK_EQ(rm[2].msg_len, iov[2].iov_len);

	/* MSG_WAITFORONE: waits for the first (sent by a child), then takes
	 * only what is there. */
	pid_t pid = test_fork();
	if (pid == 0) {
		usleep(50000);
		CHECK_EQ(sendmmsg(sv[0], mm, 2, 0), 2);
		child_exit();
	}
	/* The reader may wake between the child's two messages. */
	int got = recvmmsg(sv[1], rm, N, MSG_WAITFORONE, NULL);
	CHECK(got == 1 || got == 2);
	if (got == 1)
		CHECK_EQ(recvmmsg(sv[1], rm, N, MSG_WAITFORONE, NULL), 1);
	CHECK_ERRNO(recvmmsg(sv[1], rm, N, MSG_DONTWAIT, NULL), -1, EAGAIN);
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);

	/* A timeout ends the call after a datagram once it has passed, and
	 * the time left is written back. */
	CHECK_EQ(sendmmsg(sv[0], mm, 1, 0), 1);
	struct timespec ts = {5, 0};
	CHECK_EQ(recvmmsg(sv[1], rm, 1, 0, &ts), 1);
	CHECK_LE(ts.tv_sec, 5);
	CHECK_GE(ts.tv_sec, 3);
	struct timespec bad = {0, 1000000000};
	CHECK_ERRNO(recvmmsg(sv[1], rm, 1, 0, &bad), -1, EINVAL);
	CHECK_ERRNO(recvmmsg(sv[1], rm, 1, 0, (struct timespec *)8), -1, EFAULT);

	/* Source addresses per message. */
	int r = socket(AF_UNIX, SOCK_DGRAM, 0), s = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un ra = {.sun_family = AF_UNIX}, sa = {.sun_family = AF_UNIX};
	int k = snprintf(ra.sun_path + 1, sizeof(ra.sun_path) - 1, "moat-mmsg-r-%d", getpid());
	socklen_t rlen = offsetof(struct sockaddr_un, sun_path) + 1 + k;
	k = snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "moat-mmsg-s-%d", getpid());
	socklen_t slen = offsetof(struct sockaddr_un, sun_path) + 1 + k;
	ASSERT_OK(bind(r, (struct sockaddr *)&ra, rlen));
	ASSERT_OK(bind(s, (struct sockaddr *)&sa, slen));
	for (int i = 0; i < 2; i++) {
		mm[i].msg_hdr.msg_name = &ra;
		mm[i].msg_hdr.msg_namelen = rlen;
	}
	CHECK_EQ(sendmmsg(s, mm, 2, 0), 2);
	struct sockaddr_un from[2];
	for (int i = 0; i < 2; i++) {
		rm[i].msg_hdr.msg_name = &from[i];
		rm[i].msg_hdr.msg_namelen = sizeof(from[i]);
	}
	CHECK_EQ(recvmmsg(r, rm, 2, MSG_DONTWAIT, NULL), 2);
	CHECK_EQ(rm[0].msg_hdr.msg_namelen, slen);
	CHECK_EQ(rm[1].msg_hdr.msg_namelen, slen);
	CHECK_MEMEQ(&from[1], &sa, slen);
	/* A batch failing part-way: the second destination is unknown. */
	struct sockaddr_un nobody = {.sun_family = AF_UNIX, .sun_path = "\0moat-mmsg-nobody"};
	mm[1].msg_hdr.msg_name = &nobody;
	mm[1].msg_hdr.msg_namelen = sizeof(nobody);
	CHECK_EQ(sendmmsg(s, mm, 3, 0), 1);
	CHECK_ERRNO(sendmmsg(s, mm + 1, 2, 0), -1, ECONNREFUSED);
	for (int i = 0; i < N; i++) {
		mm[i].msg_hdr.msg_name = NULL;
		mm[i].msg_hdr.msg_namelen = 0;
		rm[i].msg_hdr.msg_name = NULL;
	}
	CHECK_ERRNO(sendmmsg(s, mm, 2, 0), -1, ENOTCONN);
	CHECK_ERRNO(sendmmsg(s, (struct mmsghdr *)8, 2, 0), -1, EFAULT);
	close(r);
	close(s);

	/* Streams: each recvmmsg entry takes what its buffer holds. */
	close(sv[0]);
	close(sv[1]);
	ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_EQ(sendmmsg(sv[0], mm, N, 0), N);
	for (int i = 0; i < N; i++)
		riov[i].iov_len = 4;
	CHECK_EQ(recvmmsg(sv[1], rm, N, MSG_DONTWAIT, NULL), N);
	CHECK_MEMEQ(bufs[0], "msg-", 4);
	CHECK_MEMEQ(bufs[1], "0msg", 4);
	close(sv[0]);
	close(sv[1]);
	return test_done();
}
