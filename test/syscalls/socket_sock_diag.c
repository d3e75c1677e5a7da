//go:build ignore

/*
 * NETLINK_SOCK_DIAG's inet_diag, which ss(8) lists sockets with: a dump
 * of TCP or UDP sockets carries each socket's state, ports, addresses,
 * queues, uid and inode, a listener's backlog, and its shutdown state;
 * the states mask and a filter program select; one socket can be asked
 * for by its addresses, ports and cookie; bad requests get errors.
 */
#include "testutil.h"
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>

static char buf[1 << 16];

struct found {
	int n;
	struct inet_diag_msg msg;
	int shutdown;
};

static int nl;

/* request sends one SOCK_DIAG_BY_FAMILY message with req (and filter
 * program bc, if any). */
static void request(int flags, struct inet_diag_req_v2 *req, void *bc, int bclen)
{
	struct {
		struct nlmsghdr h;
		struct inet_diag_req_v2 r;
		struct nlattr a;
		char bc[64];
	} m;
	memset(&m, 0, sizeof(m));
	m.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	m.h.nlmsg_flags = NLM_F_REQUEST | flags;
	m.h.nlmsg_seq = 7;
	m.r = *req;
	int len = sizeof(m.h) + sizeof(m.r);
	if (bc) {
		m.a.nla_type = INET_DIAG_REQ_BYTECODE;
		m.a.nla_len = sizeof(m.a) + bclen;
		memcpy(m.bc, bc, bclen);
		len += sizeof(m.a) + bclen;
	}
	m.h.nlmsg_len = len;
	ASSERT_EQ(send(nl, &m, len, 0), len);
}

/* collect reads the answer up to NLMSG_DONE (or one message, or an
 * error), and reports the sockets with inode ino; it returns the error
 * of an NLMSG_ERROR, or the one NLMSG_DONE carries (0 for none). */
static int collect(unsigned ino, struct found *f, int dump)
{
	memset(f, 0, sizeof(*f));
	for (;;) {
		int n = recv(nl, buf, sizeof(buf), 0);
		ASSERT_GT(n, 0);
		for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, (unsigned)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != 7)
				FAIL("seq %u", h->nlmsg_seq);
			if (h->nlmsg_type == NLMSG_DONE)
				return *(int *)NLMSG_DATA(h); /* a dump's error */
			if (h->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY) {
				FAIL("type %d", h->nlmsg_type);
				continue;
			}
			struct inet_diag_msg *d = NLMSG_DATA(h);
			if (d->idiag_inode == ino) {
				f->n++;
				f->msg = *d;
				f->shutdown = -1;
				int alen = h->nlmsg_len - NLMSG_LENGTH(sizeof(*d));
				for (struct rtattr *a = (void *)(d + 1); RTA_OK(a, alen); a = RTA_NEXT(a, alen))
					if (a->rta_type == INET_DIAG_SHUTDOWN)
						f->shutdown = *(unsigned char *)RTA_DATA(a);
			}
			if (!dump)
				return 0;
		}
	}
}

static unsigned ino_of(int fd)
{
	struct stat st;
	CHECK_OK(fstat(fd, &st));
	return st.st_ino;
}

int main(void)
{
	nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	ASSERT_GE(nl, 0);
	int proto;
	socklen_t plen = sizeof(proto);
	CHECK_OK(getsockopt(nl, SOL_SOCKET, SO_PROTOCOL, &proto, &plen));
	CHECK_EQ(proto, NETLINK_SOCK_DIAG);

	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	CHECK_OK(bind(l, (struct sockaddr *)&a, sizeof(a)));
	CHECK_OK(listen(l, 7));
	socklen_t alen = sizeof(a);
	CHECK_OK(getsockname(l, (struct sockaddr *)&a, &alen));
	int port = ntohs(a.sin_port);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_OK(connect(c, (struct sockaddr *)&a, sizeof(a)));
	int s = accept(l, NULL, NULL);
	ASSERT_GE(s, 0);
	CHECK_EQ(write(c, "hello", 5), 5);
	struct sockaddr_in ca;
	alen = sizeof(ca);
	CHECK_OK(getsockname(c, (struct sockaddr *)&ca, &alen));
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK_OK(bind(u, (struct sockaddr *)&(struct sockaddr_in){ .sin_family = AF_INET }, sizeof(a)));

	struct inet_diag_req_v2 req = { .sdiag_family = AF_INET, .sdiag_protocol = IPPROTO_TCP, .idiag_states = ~0U };
	struct found f;

	/* The listener. */
	request(NLM_F_DUMP, &req, NULL, 0);
	CHECK_EQ(collect(ino_of(l), &f, 1), 0);
	CHECK_EQ(f.n, 1);
	CHECK_EQ(f.msg.idiag_family, AF_INET);
	CHECK_EQ(f.msg.idiag_state, TCP_LISTEN);
	CHECK_EQ(ntohs(f.msg.id.idiag_sport), port);
	CHECK_EQ(f.msg.id.idiag_src[0], htonl(INADDR_LOOPBACK));
	CHECK_EQ(f.msg.idiag_wqueue, 7);
	CHECK_EQ(f.msg.idiag_uid, getuid());
	CHECK_EQ(f.shutdown, 0);

	/* The client: established, to the listener's port. */
	request(NLM_F_DUMP, &req, NULL, 0);
	CHECK_EQ(collect(ino_of(c), &f, 1), 0);
	CHECK_EQ(f.n, 1);
	CHECK_EQ(f.msg.idiag_state, TCP_ESTABLISHED);
	CHECK_EQ(ntohs(f.msg.id.idiag_dport), port);
	CHECK_EQ(f.msg.id.idiag_sport, ca.sin_port);
	struct inet_diag_sockid id = f.msg.id;

	/* The accepted end holds the 5 bytes unread. */
	request(NLM_F_DUMP, &req, NULL, 0);
	CHECK_EQ(collect(ino_of(s), &f, 1), 0);
	CHECK_EQ(f.n, 1);
	CHECK_EQ(f.msg.idiag_rqueue, 5);

	/* Only listeners. */
	req.idiag_states = 1 << TCP_LISTEN;
	request(NLM_F_DUMP, &req, NULL, 0);
	CHECK_EQ(collect(ino_of(c), &f, 1), 0);
	CHECK_EQ(f.n, 0);
	req.idiag_states = ~0U;

	/* One socket by its id and cookie. */
	req.id = id;
	request(0, &req, NULL, 0);
	CHECK_EQ(collect(ino_of(c), &f, 0), 0);
	CHECK_EQ(f.n, 1);
	req.id.idiag_cookie[0] ^= 1;
	request(0, &req, NULL, 0);
	CHECK_EQ(collect(ino_of(c), &f, 0), -ENOENT);
	memset(&req.id, 0, sizeof(req.id));

	/* A filter program: source port >= port and <= port, which the
	 * listener and the accepted end pass and the client fails. */
	struct inet_diag_bc_op prog[4] = {
		{ INET_DIAG_BC_S_GE, 8, 20 }, { 0, 0, port },
		{ INET_DIAG_BC_S_LE, 8, 12 }, { 0, 0, port },
	};
	request(NLM_F_DUMP, &req, prog, sizeof(prog));
	CHECK_EQ(collect(ino_of(l), &f, 1), 0);
	CHECK_EQ(f.n, 1);
	request(NLM_F_DUMP, &req, prog, sizeof(prog));
	CHECK_EQ(collect(ino_of(c), &f, 1), 0);
	CHECK_EQ(f.n, 0);
	/* A jump past the program's end plus 4 is refused. */
	prog[0].no = 24;
	request(NLM_F_DUMP, &req, prog, sizeof(prog));
	CHECK_EQ(collect(0, &f, 1), -EINVAL);
	struct inet_diag_bc_op bad = { 99, 4, 8 };
	request(NLM_F_DUMP, &req, &bad, sizeof(bad));
	CHECK_EQ(collect(0, &f, 1), -EINVAL);

	/* shutdown(SHUT_WR) shows as SEND_SHUTDOWN. */
	CHECK_OK(shutdown(c, SHUT_WR));
	request(NLM_F_DUMP, &req, NULL, 0);
	CHECK_EQ(collect(ino_of(c), &f, 1), 0);
	CHECK_EQ(f.n, 1);
	CHECK_EQ(f.shutdown & 2, 2);

	/* UDP: the unconnected socket is TCP_CLOSE. */
	req.sdiag_protocol = IPPROTO_UDP;
	request(NLM_F_DUMP, &req, NULL, 0);
	CHECK_EQ(collect(ino_of(u), &f, 1), 0);
	CHECK_EQ(f.n, 1);
	CHECK_EQ(f.msg.idiag_state, TCP_CLOSE);

	/* No handler for the protocol (the dump ends with the error); no
	 * such family. */
	req.sdiag_protocol = 132; /* SCTP */
	request(NLM_F_DUMP, &req, NULL, 0);
	CHECK_EQ(collect(0, &f, 1), -ENOENT);
	req.sdiag_protocol = IPPROTO_TCP;
	req.sdiag_family = 200;
	request(NLM_F_DUMP, &req, NULL, 0);
	CHECK_EQ(collect(0, &f, 1), -EINVAL);
	return test_done();
}
