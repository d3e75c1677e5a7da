//go:build ignore

/*
 * Loopback TCP delivers at once: when send() returns, the peer is
 * readable (poll with a zero timeout sees it, FIONREAD counts it), in
 * both directions and for IPv4 and IPv6. Programs and test suites rely
 * on it, even though a real network would not promise it.
 */
#include "testutil.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

static void pair(int family, int *a, int *b)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		in->sin_family = AF_INET;
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_addr = in6addr_loopback;
		len = sizeof(*in6);
	}
	int l = socket(family, SOCK_STREAM, 0);
	ASSERT_GE(l, 0);
	ASSERT_OK(bind(l, (struct sockaddr *)&ss, len));
	ASSERT_OK(listen(l, 1));
	ASSERT_OK(getsockname(l, (struct sockaddr *)&ss, &len));
	*a = socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ASSERT_GE(*a, 0);
	int r = connect(*a, (struct sockaddr *)&ss, len);
	CHECK(r == 0 || errno == EINPROGRESS);
	*b = accept(l, NULL, NULL);
	ASSERT_GE(*b, 0);
	struct pollfd p = { .fd = *a, .events = POLLOUT };
	CHECK_EQ(poll(&p, 1, 5000), 1);
	close(l);
}

static void check_direction(int from, int to, int round)
{
	char buf[64];
	int n = 0;
	struct pollfd p = { .fd = to, .events = POLLIN };
	CHECK_EQ(poll(&p, 1, 0), 0);
	int len = 1 + round % 40;
	memset(buf, 'a' + round % 26, len);
	CHECK_EQ(send(from, buf, len, 0), len);
	CHECK_EQ(poll(&p, 1, 0), 1);
	CHECK_EQ(p.revents, POLLIN);
	CHECK_OK(ioctl(to, FIONREAD, &n));
	CHECK_EQ(n, len);
	CHECK_EQ(recv(to, buf, sizeof(buf), MSG_DONTWAIT), len);
}

int main(void)
{
	int families[] = { AF_INET, AF_INET6 };
	for (unsigned f = 0; f < 2; f++) {
		int a, b;
		pair(families[f], &a, &b);
		int one = 1;
		CHECK_OK(setsockopt(a, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)));
		CHECK_OK(setsockopt(b, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)));
		for (int i = 0; i < 200; i++) {
			check_direction(a, b, i);
			check_direction(b, a, i);
		}
		close(a);
		close(b);
	}
	return test_done();
}
