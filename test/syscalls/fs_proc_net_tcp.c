//go:build ignore

/*
 * /proc/net/tcp, tcp6, udp and udp6: Linux's headers, and a line for each
 * open socket with its addresses and ports (hex, each address word in
 * host byte order), its state (0A listening, 01 established, 07 an
 * unconnected UDP socket) and its inode, which fstat of the socket gives.
 */
#include "testutil.h"
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

static char buf[1 << 20];

static unsigned long ino_of(int fd)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return 0;
	return st.st_ino;
}

/* find returns 1 if path has a line with local address laddr:lport,
 * remote raddr:rport, state st and inode ino. */
static int find(const char *path, const char *laddr, unsigned lport, const char *raddr, unsigned rport,
		unsigned st, unsigned long ino)
{
	if (read_text(path, buf, sizeof(buf)) < 0)
		return -1;
	char *save;
	int first = 1;
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (first) {
			first = 0;
			continue;
		}
		char la[40], ra[40];
		unsigned lp, rp, s, uid;
		unsigned long tx, rx, tr, when, retr, timeout, inode;
		if (sscanf(l, " %*d: %39[0-9A-F]:%X %39[0-9A-F]:%X %X %lX:%lX %lX:%lX %lX %u %lu %lu", la, &lp, ra, &rp, &s,
			   &tx, &rx, &tr, &when, &retr, &uid, &timeout, &inode) != 13)
			return -2;
		if (!strcmp(la, laddr) && lp == lport && !strcmp(ra, raddr) && rp == rport && s == st && inode == ino)
			return 1;
	}
	return 0;
}

static int header_is(const char *path, const char *want)
{
	if (read_text(path, buf, sizeof(buf)) < 0)
		return 0;
	char *nl = strchr(buf, '\n');
	if (!nl)
		return 0;
	*nl = 0;
	/* tcp and udp pad the header with spaces. */
	for (char *e = nl - 1; e > buf && *e == ' '; e--)
		*e = 0;
	return strcmp(buf, want) == 0;
}

int main(void)
{
	CHECK(header_is("/proc/net/tcp",
			"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"));
	CHECK(header_is("/proc/net/udp",
			"   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops"));
	CHECK(header_is("/proc/net/tcp6", "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"));
	CHECK(header_is("/proc/net/udp6", "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops"));

	int l, c, a;
	ASSERT_OK(l = socket(AF_INET, SOCK_STREAM, 0));
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	ASSERT_OK(bind(l, (struct sockaddr *)&sa, sizeof(sa)));
	socklen_t sl = sizeof(sa);
	ASSERT_OK(getsockname(l, (struct sockaddr *)&sa, &sl));
	unsigned port = ntohs(sa.sin_port);
	ASSERT_OK(listen(l, 4));
	CHECK_EQ(find("/proc/net/tcp", "0100007F", port, "00000000", 0, 0x0A, ino_of(l)), 1);
	ASSERT_OK(c = socket(AF_INET, SOCK_STREAM, 0));
	ASSERT_OK(connect(c, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_OK(a = accept(l, NULL, NULL));
	struct sockaddr_in ca;
	sl = sizeof(ca);
	ASSERT_OK(getsockname(c, (struct sockaddr *)&ca, &sl));
	unsigned cport = ntohs(ca.sin_port);
	CHECK_EQ(find("/proc/net/tcp", "0100007F", cport, "0100007F", port, 0x01, ino_of(c)), 1);
	CHECK_EQ(find("/proc/net/tcp", "0100007F", port, "0100007F", cport, 0x01, ino_of(a)), 1);

	int u;
	ASSERT_OK(u = socket(AF_INET, SOCK_DGRAM, 0));
	struct sockaddr_in ua = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	ASSERT_OK(bind(u, (struct sockaddr *)&ua, sizeof(ua)));
	sl = sizeof(ua);
	ASSERT_OK(getsockname(u, (struct sockaddr *)&ua, &sl));
	CHECK_EQ(find("/proc/net/udp", "0100007F", ntohs(ua.sin_port), "00000000", 0, 0x07, ino_of(u)), 1);
	/* Connected: ESTABLISHED. */
	ASSERT_OK(connect(u, (struct sockaddr *)&sa, sizeof(sa)));
	CHECK_EQ(find("/proc/net/udp", "0100007F", ntohs(ua.sin_port), "0100007F", port, 0x01, ino_of(u)), 1);

	/* IPv6 on ::1, where the host has it. */
	int l6 = socket(AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	if (l6 >= 0 && bind(l6, (struct sockaddr *)&s6, sizeof(s6)) == 0) {
		sl = sizeof(s6);
		ASSERT_OK(getsockname(l6, (struct sockaddr *)&s6, &sl));
		ASSERT_OK(listen(l6, 1));
		CHECK_EQ(find("/proc/net/tcp6", "00000000000000000000000001000000", ntohs(s6.sin6_port),
			      "00000000000000000000000000000000", 0, 0x0A, ino_of(l6)),
			 1);
	}

	/* A closed socket's line goes. */
	unsigned long lino = ino_of(l);
	close(l);
	CHECK_EQ(find("/proc/net/tcp", "0100007F", port, "00000000", 0, 0x0A, lino), 0);
	close(c);
	close(a);
	close(u);
	if (l6 >= 0)
		close(l6);
	return test_done();
}
