//go:build ignore

/* AF_NETLINK NETLINK_ROUTE: what getifaddrs and if_nameindex use, and
 * the raw protocol underneath (bind and port IDs, RTM_GETLINK and
 * RTM_GETADDR dumps ending in NLMSG_DONE with the request's sequence
 * number, a single RTM_GETLINK, NLMSG_ERROR for an unknown request). */
#include "testutil.h"
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

static void test_getifaddrs(void)
{
	struct ifaddrs *ifa;
	ASSERT_OK(getifaddrs(&ifa));
	int v4 = 0, v6 = 0;
	for (struct ifaddrs *p = ifa; p; p = p->ifa_next) {
		if (strcmp(p->ifa_name, "lo") != 0 || !p->ifa_addr)
			continue;
		CHECK(p->ifa_flags & IFF_UP);
		CHECK(p->ifa_flags & IFF_LOOPBACK);
		if (p->ifa_addr->sa_family == AF_INET) {
			struct sockaddr_in *a = (struct sockaddr_in *)p->ifa_addr;
			struct sockaddr_in *m = (struct sockaddr_in *)p->ifa_netmask;
			if (ntohl(a->sin_addr.s_addr) == INADDR_LOOPBACK) {
				v4++;
				CHECK_EQ(ntohl(m->sin_addr.s_addr), 0xff000000);
			}
		}
		if (p->ifa_addr->sa_family == AF_INET6) {
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)p->ifa_addr;
			if (IN6_IS_ADDR_LOOPBACK(&a->sin6_addr))
				v6++;
		}
	}
	CHECK_EQ(v4, 1);
	CHECK_EQ(v6, 1);
	freeifaddrs(ifa);

	struct if_nameindex *ni = if_nameindex();
	ASSERT_NE((long)ni, 0);
	int lo = 0;
	for (struct if_nameindex *p = ni; p->if_index; p++)
		if (strcmp(p->if_name, "lo") == 0)
			lo = p->if_index;
	CHECK_GT(lo, 0);
	if_freenameindex(ni);
}

struct req {
	struct nlmsghdr h;
	union {
		struct rtgenmsg g;
		struct ifinfomsg ifi;
	};
};

/* dump sends a dump request of type and reads until NLMSG_DONE,
 * returning how many messages of want it saw. */
static int dump(int fd, int type, int want, __u32 seq, __u32 pid, int *lo_index)
{
	struct req r;
	memset(&r, 0, sizeof(r));
	r.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	r.h.nlmsg_type = type;
	r.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	r.h.nlmsg_seq = seq;
	struct sockaddr_nl k = { .nl_family = AF_NETLINK };
	ASSERT_EQ(sendto(fd, &r, r.h.nlmsg_len, 0, (struct sockaddr *)&k, sizeof(k)), (long)r.h.nlmsg_len);
	static char buf[65536];
	int n = 0;
	for (;;) {
		struct sockaddr_nl from;
		socklen_t fl = sizeof(from);
		ssize_t len = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		ASSERT_GT(len, 0);
		CHECK_EQ(fl, sizeof(from));
		CHECK_EQ(from.nl_family, AF_NETLINK);
		CHECK_EQ(from.nl_pid, 0);
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			CHECK_EQ(h->nlmsg_seq, seq);
			CHECK_EQ(h->nlmsg_pid, pid);
			CHECK(h->nlmsg_flags & NLM_F_MULTI);
			if (h->nlmsg_type == NLMSG_DONE)
				return n;
			CHECK_EQ(h->nlmsg_type, want);
			if (h->nlmsg_type == RTM_NEWLINK) {
				struct ifinfomsg *ifi = NLMSG_DATA(h);
				int alen = IFLA_PAYLOAD(h);
				for (struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, alen); a = RTA_NEXT(a, alen))
					if (a->rta_type == IFLA_IFNAME && strcmp(RTA_DATA(a), "lo") == 0)
						*lo_index = ifi->ifi_index;
			}
			n++;
		}
	}
}

static void test_raw(void)
{
	int fd;
	CHECK_ERRNO(socket(AF_NETLINK, SOCK_STREAM, NETLINK_ROUTE), -1, ESOCKTNOSUPPORT);
	ASSERT_OK(fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
	struct sockaddr_nl a = { .nl_family = AF_NETLINK };
	CHECK_ERRNO(bind(fd, (struct sockaddr *)&a, 4), -1, EINVAL);
	CHECK_OK(bind(fd, (struct sockaddr *)&a, sizeof(a)));
	socklen_t l = sizeof(a);
	CHECK_OK(getsockname(fd, (struct sockaddr *)&a, &l));
	CHECK_EQ(l, sizeof(a));
	CHECK_EQ(a.nl_family, AF_NETLINK);
	CHECK_NE(a.nl_pid, 0);
	int v;
	l = sizeof(v);
	CHECK_OK(getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &l));
	CHECK_EQ(v, NETLINK_ROUTE);

	int lo = 0;
	CHECK_GE(dump(fd, RTM_GETLINK, RTM_NEWLINK, 7, a.nl_pid, &lo), 1);
	CHECK_GT(lo, 0);
	CHECK_GE(dump(fd, RTM_GETADDR, RTM_NEWADDR, 8, a.nl_pid, &lo), 2);

	/* One link, with an ack. */
	struct req r;
	memset(&r, 0, sizeof(r));
	r.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	r.h.nlmsg_type = RTM_GETLINK;
	r.h.nlmsg_flags = NLM_F_REQUEST;
	r.h.nlmsg_seq = 9;
	r.ifi.ifi_index = lo;
	CHECK_EQ(send(fd, &r, r.h.nlmsg_len, 0), (long)r.h.nlmsg_len);
	char buf[8192];
	ssize_t len = recv(fd, buf, sizeof(buf), 0);
	ASSERT_GT(len, 0);
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	CHECK(NLMSG_OK(h, len));
	CHECK_EQ(h->nlmsg_type, RTM_NEWLINK);
	CHECK_EQ(h->nlmsg_seq, 9);
	CHECK_EQ(((struct ifinfomsg *)NLMSG_DATA(h))->ifi_index, lo);
	CHECK(((struct ifinfomsg *)NLMSG_DATA(h))->ifi_flags & IFF_LOOPBACK);
	CHECK_ERRNO(recv(fd, buf, sizeof(buf), MSG_DONTWAIT), -1, EAGAIN);

	/* A request the kernel does not serve: NLMSG_ERROR with the
	 * request's header. */
	r.h.nlmsg_type = RTM_NEWLINK + 100;
	r.h.nlmsg_seq = 10;
	CHECK_EQ(send(fd, &r, r.h.nlmsg_len, 0), (long)r.h.nlmsg_len);
	len = recv(fd, buf, sizeof(buf), 0);
	ASSERT_GT(len, 0);
	CHECK_EQ(h->nlmsg_type, NLMSG_ERROR);
	struct nlmsgerr *e = NLMSG_DATA(h);
	CHECK_EQ(e->error, -EOPNOTSUPP);
	CHECK_EQ(e->msg.nlmsg_seq, 10);
	close(fd);
}

int main(void)
{
	test_getifaddrs();
	test_raw();
	return test_done();
}
