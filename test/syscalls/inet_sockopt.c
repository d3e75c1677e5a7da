//go:build ignore

/* Socket options of TCP and UDP sockets: the SOL_SOCKET flags, buffer
 * sizes (doubled), SO_LINGER, timeouts, TCP_NODELAY and the keepalive
 * options with their ranges, IP_TOS, IP_TTL, IPV6_V6ONLY, IPV6_TCLASS,
 * unknown levels and names, and the interface ioctls. */
#include "testutil.h"
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>

static int geti(int fd, int level, int name)
{
	int v = -12345;
	socklen_t l = sizeof(v);
	if (getsockopt(fd, level, name, &v, &l) < 0)
		return -errno - 1000;
	if (l != sizeof(v))
		return -999;
	return v;
}

static int seti(int fd, int level, int name, int v)
{
	return setsockopt(fd, level, name, &v, sizeof(v));
}

static void flags(int fd)
{
	static const int names[] = { SO_REUSEADDR, SO_REUSEPORT, SO_KEEPALIVE, SO_BROADCAST };
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		CHECK_EQ(geti(fd, SOL_SOCKET, names[i]), 0);
		CHECK_OK(seti(fd, SOL_SOCKET, names[i], 5));
		CHECK_EQ(geti(fd, SOL_SOCKET, names[i]), 1);
		CHECK_OK(seti(fd, SOL_SOCKET, names[i], 0));
		CHECK_EQ(geti(fd, SOL_SOCKET, names[i]), 0);
	}
	/* Int options need an int. */
	char c = 1;
	CHECK_ERRNO(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &c, 1), -1, EINVAL);
	/* Unknown names and levels. */
	CHECK_EQ(geti(fd, SOL_SOCKET, 9999), -ENOPROTOOPT - 1000);
	CHECK_ERRNO(seti(fd, SOL_SOCKET, 9999, 1), -1, ENOPROTOOPT);
	CHECK_EQ(geti(fd, SOL_IP, 9999), -ENOPROTOOPT - 1000);
	/* A short buffer gets a truncated value. */
	int v = -1;
	socklen_t l = 1;
	CHECK_OK(getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &l));
	CHECK_EQ(l, 1);
	CHECK_EQ(v & 0xff, geti(fd, SOL_SOCKET, SO_TYPE));

	/* Buffer sizes are doubled. */
	CHECK_OK(seti(fd, SOL_SOCKET, SO_RCVBUF, 65536));
	CHECK_EQ(geti(fd, SOL_SOCKET, SO_RCVBUF), 131072);
	CHECK_OK(seti(fd, SOL_SOCKET, SO_SNDBUF, 65536));
	CHECK_EQ(geti(fd, SOL_SOCKET, SO_SNDBUF), 131072);

	/* SO_LINGER. */
	struct linger lg = { -1, -1 };
	l = sizeof(lg);
	CHECK_OK(getsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, &l));
	CHECK_EQ(l, sizeof(lg));
	CHECK_EQ(lg.l_onoff, 0);
	CHECK_EQ(lg.l_linger, 0);
	lg = (struct linger){ 1, 7 };
	CHECK_OK(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	lg = (struct linger){ 0, 0 };
	CHECK_OK(getsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, &l));
	CHECK_EQ(lg.l_onoff, 1);
	CHECK_EQ(lg.l_linger, 7);
	CHECK_ERRNO(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, 4), -1, EINVAL);

	/* Timeouts, rounded to the tick. */
	struct timeval tv = { 2, 500000 };
	CHECK_OK(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	tv = (struct timeval){ 0, 0 };
	l = sizeof(tv);
	CHECK_OK(getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, &l));
	CHECK_EQ(tv.tv_sec, 2);
	CHECK_EQ(tv.tv_usec, 500000);
	tv = (struct timeval){ 0, 2000000 };
	CHECK_ERRNO(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), -1, EDOM);

	CHECK_EQ(geti(fd, SOL_SOCKET, SO_ERROR), 0);
	CHECK_EQ(geti(fd, SOL_SOCKET, SO_RCVLOWAT), 1);
	CHECK_EQ(geti(fd, SOL_SOCKET, SO_SNDLOWAT), 1);

	/* IP_TOS and IP_TTL. */
	CHECK_EQ(geti(fd, SOL_IP, IP_TOS), 0);
	CHECK_OK(seti(fd, SOL_IP, IP_TOS, 0x10));
	CHECK_EQ(geti(fd, SOL_IP, IP_TOS), 0x10);
	CHECK_EQ(geti(fd, SOL_IP, IP_TTL), 64);
	CHECK_OK(seti(fd, SOL_IP, IP_TTL, 9));
	CHECK_EQ(geti(fd, SOL_IP, IP_TTL), 9);
	CHECK_OK(seti(fd, SOL_IP, IP_TTL, -1));
	CHECK_EQ(geti(fd, SOL_IP, IP_TTL), 64);
	CHECK_ERRNO(seti(fd, SOL_IP, IP_TTL, 0), -1, EINVAL);
	CHECK_ERRNO(seti(fd, SOL_IP, IP_TTL, 256), -1, EINVAL);
}

static void test_tcp(void)
{
	int fd;
	ASSERT_OK(fd = socket(AF_INET, SOCK_STREAM, 0));
	flags(fd);
	CHECK_EQ(geti(fd, IPPROTO_TCP, TCP_NODELAY), 0);
	CHECK_OK(seti(fd, IPPROTO_TCP, TCP_NODELAY, 1));
	CHECK_EQ(geti(fd, IPPROTO_TCP, TCP_NODELAY), 1);
	CHECK_OK(seti(fd, IPPROTO_TCP, TCP_KEEPIDLE, 30));
	CHECK_EQ(geti(fd, IPPROTO_TCP, TCP_KEEPIDLE), 30);
	CHECK_ERRNO(seti(fd, IPPROTO_TCP, TCP_KEEPIDLE, 0), -1, EINVAL);
	CHECK_ERRNO(seti(fd, IPPROTO_TCP, TCP_KEEPIDLE, 32768), -1, EINVAL);
	CHECK_OK(seti(fd, IPPROTO_TCP, TCP_KEEPINTVL, 5));
	CHECK_EQ(geti(fd, IPPROTO_TCP, TCP_KEEPINTVL), 5);
	CHECK_ERRNO(seti(fd, IPPROTO_TCP, TCP_KEEPINTVL, 0), -1, EINVAL);
	CHECK_OK(seti(fd, IPPROTO_TCP, TCP_KEEPCNT, 4));
	CHECK_EQ(geti(fd, IPPROTO_TCP, TCP_KEEPCNT), 4);
	CHECK_ERRNO(seti(fd, IPPROTO_TCP, TCP_KEEPCNT, 128), -1, EINVAL);
	CHECK_OK(seti(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, 1500));
	CHECK_EQ(geti(fd, IPPROTO_TCP, TCP_USER_TIMEOUT), 1500);
	CHECK_ERRNO(seti(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, -1), -1, EINVAL);
	CHECK_OK(seti(fd, IPPROTO_TCP, TCP_SYNCNT, 3));
	CHECK_EQ(geti(fd, IPPROTO_TCP, TCP_SYNCNT), 3);
	CHECK_ERRNO(seti(fd, IPPROTO_TCP, TCP_SYNCNT, 0), -1, EINVAL);
	CHECK_OK(seti(fd, IPPROTO_TCP, TCP_QUICKACK, 1));
	CHECK_OK(seti(fd, IPPROTO_TCP, TCP_CORK, 1));
	CHECK_EQ(geti(fd, IPPROTO_TCP, TCP_CORK), 1);
	CHECK_EQ(geti(fd, IPPROTO_TCP, 9999), -ENOPROTOOPT - 1000);
	/* TCP_INFO of an unconnected socket: TCP_CLOSE. */
	struct tcp_info ti;
	socklen_t l = sizeof(ti);
	memset(&ti, 0xff, sizeof(ti));
	CHECK_OK(getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &l));
	CHECK_GE(l, 104);
	CHECK_EQ(ti.tcpi_state, TCP_CLOSE);
	/* TCP_CONGESTION names an algorithm. */
	char cc[16] = { 0 };
	l = sizeof(cc);
	CHECK_OK(getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, cc, &l));
	CHECK(cc[0] != 0);
	/* Datagram options are not for TCP sockets: getsockopt of another
	 * level is EOPNOTSUPP for IPv4 sockets (ip_getsockopt),
	 * setsockopt ENOPROTOOPT. */
	CHECK_EQ(geti(fd, IPPROTO_UDP, 1), -EOPNOTSUPP - 1000);
	CHECK_ERRNO(seti(fd, IPPROTO_UDP, 1, 1), -1, ENOPROTOOPT);
	close(fd);

	ASSERT_OK(fd = socket(AF_INET6, SOCK_STREAM, 0));
	CHECK_EQ(geti(fd, IPPROTO_IPV6, IPV6_V6ONLY), 0);
	CHECK_OK(seti(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1));
	CHECK_EQ(geti(fd, IPPROTO_IPV6, IPV6_V6ONLY), 1);
	CHECK_EQ(geti(fd, IPPROTO_IPV6, IPV6_TCLASS), 0);
	CHECK_OK(seti(fd, IPPROTO_IPV6, IPV6_TCLASS, 0x20));
	CHECK_EQ(geti(fd, IPPROTO_IPV6, IPV6_TCLASS), 0x20);
	CHECK_ERRNO(seti(fd, IPPROTO_IPV6, IPV6_TCLASS, 256), -1, EINVAL);
	CHECK_EQ(geti(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS), 64);
	CHECK_EQ(geti(fd, SOL_SOCKET, SO_DOMAIN), AF_INET6);
	close(fd);

	/* IPv6 options are not for IPv4 sockets. */
	ASSERT_OK(fd = socket(AF_INET, SOCK_STREAM, 0));
	CHECK_EQ(geti(fd, IPPROTO_IPV6, IPV6_V6ONLY), -EOPNOTSUPP - 1000);
	CHECK_ERRNO(seti(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1), -1, ENOPROTOOPT);
	close(fd);
}

static void test_udp(void)
{
	int fd;
	ASSERT_OK(fd = socket(AF_INET, SOCK_DGRAM, 0));
	flags(fd);
	CHECK_EQ(geti(fd, IPPROTO_TCP, TCP_NODELAY), -EOPNOTSUPP - 1000);
	CHECK_ERRNO(seti(fd, IPPROTO_TCP, TCP_NODELAY, 1), -1, ENOPROTOOPT);
	close(fd);
	/* ... and ENOPROTOOPT for IPv6 sockets. */
	ASSERT_OK(fd = socket(AF_INET6, SOCK_DGRAM, 0));
	CHECK_EQ(geti(fd, IPPROTO_TCP, TCP_NODELAY), -ENOPROTOOPT - 1000);
	CHECK_EQ(geti(fd, SOL_SOCKET, SO_ACCEPTCONN), 0);
	close(fd);
}

static void test_ioctls(void)
{
	int fd;
	ASSERT_OK(fd = socket(AF_INET, SOCK_DGRAM, 0));
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	CHECK_OK(ioctl(fd, SIOCGIFINDEX, &ifr));
	int idx = ifr.ifr_ifindex;
	CHECK_GT(idx, 0);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_ifindex = idx;
	CHECK_OK(ioctl(fd, SIOCGIFNAME, &ifr));
	CHECK_STREQ(ifr.ifr_name, "lo");
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	CHECK_OK(ioctl(fd, SIOCGIFFLAGS, &ifr));
	CHECK_EQ(ifr.ifr_flags & (IFF_UP | IFF_LOOPBACK), IFF_UP | IFF_LOOPBACK);
	strcpy(ifr.ifr_name, "lo");
	CHECK_OK(ioctl(fd, SIOCGIFADDR, &ifr));
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
	CHECK_EQ(sin->sin_family, AF_INET);
	CHECK_EQ(ntohl(sin->sin_addr.s_addr), INADDR_LOOPBACK);
	strcpy(ifr.ifr_name, "lo");
	CHECK_OK(ioctl(fd, SIOCGIFNETMASK, &ifr));
	CHECK_EQ(ntohl(sin->sin_addr.s_addr), 0xff000000);
	strcpy(ifr.ifr_name, "nosuchif0");
	CHECK_ERRNO(ioctl(fd, SIOCGIFINDEX, &ifr), -1, ENODEV);
	/* SIOCGIFCONF lists lo among the interfaces with IPv4 addresses. */
	struct ifreq reqs[16];
	struct ifconf ifc = { .ifc_len = sizeof(reqs), .ifc_req = reqs };
	CHECK_OK(ioctl(fd, SIOCGIFCONF, &ifc));
	int found = 0;
	for (int i = 0; i < ifc.ifc_len / (int)sizeof(struct ifreq); i++)
		if (strcmp(reqs[i].ifr_name, "lo") == 0)
			found = 1;
	CHECK(found);
	/* Unknown ioctls. */
	CHECK_ERRNO(ioctl(fd, 0x12345678, &ifr), -1, ENOTTY);
	close(fd);
}

int main(void)
{
	test_tcp();
	test_udp();
	test_ioctls();
	return test_done();
}
