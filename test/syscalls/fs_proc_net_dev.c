//go:build ignore

/*
 * /proc/net/dev: Linux's two header lines, then one line per interface,
 * "name:" and 16 counters; the loopback's byte and packet counters grow
 * by at least what a TCP connection over 127.0.0.1 sends.
 */
#include "testutil.h"
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

static char buf[1 << 16];

/* lo_counters reads lo's receive and transmit bytes and packets; it
 * returns how many lines named lo it found, -1 on a malformed line. */
static int lo_counters(unsigned long long *rxb, unsigned long long *rxp, unsigned long long *txb,
		       unsigned long long *txp)
{
	if (read_text("/proc/net/dev", buf, sizeof(buf)) < 0)
		return -1;
	const char *h1 = "Inter-|   Receive                                                |  Transmit\n";
	const char *h2 = " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n";
	if (strncmp(buf, h1, strlen(h1)) != 0 || strncmp(buf + strlen(h1), h2, strlen(h2)) != 0)
		return -1;
	int found = 0;
	char *save;
	for (char *l = strtok_r(buf + strlen(h1) + strlen(h2), "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char name[32];
		unsigned long long c[16];
		if (sscanf(l, " %31[^:]: %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", name,
			   &c[0], &c[1], &c[2], &c[3], &c[4], &c[5], &c[6], &c[7], &c[8], &c[9], &c[10], &c[11], &c[12], &c[13],
			   &c[14], &c[15]) != 17)
			return -1;
		if (strcmp(name, "lo") == 0) {
			*rxb = c[0], *rxp = c[1], *txb = c[8], *txp = c[9];
			found++;
		}
	}
	return found;
}

int main(void)
{
	unsigned long long rxb0, rxp0, txb0, txp0, rxb1, rxp1, txb1, txp1;
	ASSERT_EQ(lo_counters(&rxb0, &rxp0, &txb0, &txp0), 1);

	int l, c, a;
	ASSERT_OK(l = socket(AF_INET, SOCK_STREAM, 0));
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	ASSERT_OK(bind(l, (struct sockaddr *)&sa, sizeof(sa)));
	socklen_t sl = sizeof(sa);
	ASSERT_OK(getsockname(l, (struct sockaddr *)&sa, &sl));
	ASSERT_OK(listen(l, 1));
	ASSERT_OK(c = socket(AF_INET, SOCK_STREAM, 0));
	ASSERT_OK(connect(c, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_OK(a = accept(l, NULL, NULL));
	static char data[100000];
	size_t sent = 0, got = 0;
	while (sent < sizeof(data)) {
		ssize_t w = write(c, data + sent, sizeof(data) - sent);
		ASSERT_GT(w, 0);
		sent += w;
		ssize_t r;
		while (got < sent && (r = read(a, data, sizeof(data))) > 0)
			got += r;
	}
	close(c);
	close(a);
	close(l);

	ASSERT_EQ(lo_counters(&rxb1, &rxp1, &txb1, &txp1), 1);
	CHECK(rxb1 >= rxb0 + sizeof(data));
	CHECK(txb1 >= txb0 + sizeof(data));
	CHECK(rxp1 >= rxp0 + 3);
	CHECK(txp1 >= txp0 + 3);
	return test_done();
}
