//go:build ignore

/*
 * /sys/class/net, which psutil, ethtool-less scripts and container
 * agents read: each interface is a link to its device directory, whose
 * ifindex, MTU and flags agree with if_nametoindex and the SIOCGIF*
 * ioctls, whose loopback has type 772 (ARPHRD_LOOPBACK) and a zero
 * address, and whose statistics count loopback traffic. /sys/block and
 * /sys/dev/block exist (lsblk reads them), empty without disks.
 */
#include "testutil.h"
#include <dirent.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

static long long num(const char *name, const char *file, int base)
{
	char path[600], buf[64];
	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", name, file);
	if (read_text(path, buf, sizeof(buf)) <= 0)
		return -1;
	return strtoll(buf, NULL, base);
}

int main(void)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_GE(s, 0);
	DIR *d = opendir("/sys/class/net");
	ASSERT_NE(d, NULL);
	int n = 0, sawLo = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		n++;
		const char *name = e->d_name;
		char path[600], link[256];
		snprintf(path, sizeof(path), "/sys/class/net/%s", name);
		ssize_t l = readlink(path, link, sizeof(link) - 1);
		CHECK_GT(l, 0);
		if (l > 0) {
			link[l] = 0;
			CHECK(strncmp(link, "../../devices/", 14) == 0);
		}
		struct stat st;
		CHECK_OK(stat(path, &st));
		CHECK(S_ISDIR(st.st_mode));
		CHECK_EQ(num(name, "ifindex", 10), (long long)if_nametoindex(name));
		struct ifreq ifr;
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, IFNAMSIZ, "%.15s", name);
		CHECK_OK(ioctl(s, SIOCGIFMTU, &ifr));
		CHECK_EQ(num(name, "mtu", 10), ifr.ifr_mtu);
		CHECK_OK(ioctl(s, SIOCGIFFLAGS, &ifr));
		/* The device's own flags: running is the link's state. */
		CHECK_EQ(num(name, "flags", 16) & 0xffff, ifr.ifr_flags & 0xffff & ~IFF_RUNNING);
		char buf[64];
		snprintf(path, sizeof(path), "/sys/class/net/%s/operstate", name);
		CHECK_GT(read_text(path, buf, sizeof(buf)), 0);
		if (strcmp(name, "lo") == 0) {
			sawLo = 1;
			CHECK_EQ(num(name, "type", 10), 772);
			snprintf(path, sizeof(path), "/sys/class/net/lo/address");
			CHECK_GT(read_text(path, buf, sizeof(buf)), 0);
			CHECK(strcmp(buf, "00:00:00:00:00:00\n") == 0);
			/* 100 bytes through lo count, as received. */
			long long before = num("lo", "statistics/rx_bytes", 10);
			CHECK_GE(before, 0);
			int u = socket(AF_INET, SOCK_DGRAM, 0), r = socket(AF_INET, SOCK_DGRAM, 0);
			struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
			CHECK_OK(bind(r, (struct sockaddr *)&a, sizeof(a)));
			socklen_t al = sizeof(a);
			CHECK_OK(getsockname(r, (struct sockaddr *)&a, &al));
			char payload[100] = { 0 };
			CHECK_EQ(sendto(u, payload, sizeof(payload), 0, (struct sockaddr *)&a, sizeof(a)), 100);
			CHECK_EQ(recv(r, payload, sizeof(payload), 0), 100);
			CHECK_GE(num("lo", "statistics/rx_bytes", 10) - before, 100);
			close(u);
			close(r);
		}
	}
	closedir(d);
	CHECK_GE(n, 1);
	CHECK(sawLo);
	struct stat st;
	CHECK_OK(stat("/sys/block", &st));
	CHECK(S_ISDIR(st.st_mode));
	CHECK_OK(stat("/sys/dev/block", &st));
	CHECK(S_ISDIR(st.st_mode));
	return test_done();
}
