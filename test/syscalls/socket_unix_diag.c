//go:build ignore

/*
 * NETLINK_SOCK_DIAG's unix_diag, which ss -x uses: a dump lists unix
 * sockets by state with their type, inode, name (a path, or an abstract
 * name with its leading NUL), peer inode, queue lengths (a listener's
 * pending connections and backlog), owner and shutdown state; one socket
 * can be asked for by inode.
 */
#include "testutil.h"
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <stddef.h>
#include <sys/un.h>

#define TCP_ESTABLISHED 1
#define TCP_CLOSE 7
#define TCP_LISTEN 10

static char buf[1 << 16];
static int nl;

struct found {
	int n;
	struct unix_diag_msg msg;
	char name[128];
	int namelen;
	unsigned peer, rq, wq, uid;
	int shutdown;
};

static void request(int flags, unsigned states, unsigned ino)
{
	struct {
		struct nlmsghdr h;
		struct unix_diag_req r;
	} m;
	memset(&m, 0, sizeof(m));
	m.h.nlmsg_len = sizeof(m);
	m.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	m.h.nlmsg_flags = NLM_F_REQUEST | flags;
	m.h.nlmsg_seq = 9;
	m.r.sdiag_family = AF_UNIX;
	m.r.udiag_states = states;
	m.r.udiag_ino = ino;
	m.r.udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN | UDIAG_SHOW_UID;
	m.r.udiag_cookie[0] = m.r.udiag_cookie[1] = ~0U;
	ASSERT_EQ(send(nl, &m, sizeof(m), 0), (ssize_t)sizeof(m));
}

/* collect reads the answer and reports the socket with inode ino. */
static int collect(unsigned ino, struct found *f, int dump)
{
	memset(f, 0, sizeof(*f));
	for (;;) {
		int n = recv(nl, buf, sizeof(buf), 0);
		ASSERT_GT(n, 0);
		for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, (unsigned)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE)
				return *(int *)NLMSG_DATA(h);
			if (h->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			struct unix_diag_msg *d = NLMSG_DATA(h);
			if (d->udiag_ino == ino) {
				f->n++;
				f->msg = *d;
				f->shutdown = -1;
				int alen = h->nlmsg_len - NLMSG_LENGTH(sizeof(*d));
				for (struct nlattr *a = (void *)(d + 1); alen >= (int)sizeof(*a) && a->nla_len >= sizeof(*a);
				     alen -= NLA_ALIGN(a->nla_len), a = (void *)((char *)a + NLA_ALIGN(a->nla_len))) {
					void *p = a + 1;
					int plen = a->nla_len - sizeof(*a);
					switch (a->nla_type) {
					case UNIX_DIAG_NAME:
						f->namelen = plen < 127 ? plen : 127;
						memcpy(f->name, p, f->namelen);
						break;
					case UNIX_DIAG_PEER:
						f->peer = *(unsigned *)p;
						break;
					case UNIX_DIAG_RQLEN:
						f->rq = ((unsigned *)p)[0];
						f->wq = ((unsigned *)p)[1];
						break;
					case UNIX_DIAG_UID:
						f->uid = *(unsigned *)p;
						break;
					case UNIX_DIAG_SHUTDOWN:
						f->shutdown = *(unsigned char *)p;
						break;
					}
				}
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
	char path[] = "/tmp/udiagXXXXXX";
	ASSERT_NE(mkdtemp(path), NULL);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path, sizeof(a.sun_path), "%s/s", path);
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	ASSERT_OK(bind(l, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_OK(listen(l, 5));
	struct found f;
	request(NLM_F_DUMP, ~0U, 0);
	CHECK_EQ(collect(ino_of(l), &f, 1), 0);
	CHECK_EQ(f.n, 1);
	CHECK_EQ(f.msg.udiag_type, SOCK_STREAM);
	CHECK_EQ(f.msg.udiag_state, TCP_LISTEN);
	/* A path comes with its NUL. */
	CHECK_EQ(f.namelen, (int)strlen(a.sun_path) + 1);
	CHECK_MEMEQ(f.name, a.sun_path, strlen(a.sun_path) + 1);
	CHECK_EQ(f.rq, 0);
	CHECK_EQ(f.wq, 5);
	CHECK_EQ(f.uid, getuid());
	CHECK_EQ(f.shutdown, 0);

	int c = socket(AF_UNIX, SOCK_STREAM, 0);
	ASSERT_OK(connect(c, (struct sockaddr *)&a, sizeof(a)));
	request(NLM_F_DUMP, ~0U, 0);
	CHECK_EQ(collect(ino_of(l), &f, 1), 0);
	CHECK_EQ(f.rq, 1); /* one connection waiting */
	int s = accept(l, NULL, NULL);
	ASSERT_GE(s, 0);
	CHECK_EQ(write(c, "hello", 5), 5);
	request(NLM_F_DUMP, ~0U, 0);
	CHECK_EQ(collect(ino_of(s), &f, 1), 0);
	CHECK_EQ(f.n, 1);
	CHECK_EQ(f.msg.udiag_state, TCP_ESTABLISHED);
	CHECK_EQ(f.peer, ino_of(c));
	CHECK_EQ(f.rq, 5);
	CHECK_MEMEQ(f.name, a.sun_path, strlen(a.sun_path));
	request(NLM_F_DUMP, ~0U, 0);
	CHECK_EQ(collect(ino_of(c), &f, 1), 0);
	CHECK_EQ(f.peer, ino_of(s));
	CHECK_EQ(f.namelen, 0);

	/* Only listeners. */
	request(NLM_F_DUMP, 1 << TCP_LISTEN, 0);
	CHECK_EQ(collect(ino_of(c), &f, 1), 0);
	CHECK_EQ(f.n, 0);

	/* A pair, each the other's peer; an abstract name. */
	int sp[2];
	ASSERT_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sp));
	request(NLM_F_DUMP, ~0U, 0);
	CHECK_EQ(collect(ino_of(sp[0]), &f, 1), 0);
	CHECK_EQ(f.msg.udiag_type, SOCK_DGRAM);
	CHECK_EQ(f.peer, ino_of(sp[1]));
	int d = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un ab = { .sun_family = AF_UNIX };
	memcpy(ab.sun_path, "\0udiag-test", 11);
	ASSERT_OK(bind(d, (struct sockaddr *)&ab, offsetof(struct sockaddr_un, sun_path) + 11));
	request(NLM_F_DUMP, ~0U, 0);
	CHECK_EQ(collect(ino_of(d), &f, 1), 0);
	CHECK_EQ(f.msg.udiag_state, TCP_CLOSE);
	CHECK_EQ(f.namelen, 11);
	CHECK_MEMEQ(f.name, "\0udiag-test", 11);

	/* One socket by inode; shutdown shows on both ends. */
	CHECK_OK(shutdown(c, SHUT_WR));
	request(0, 0, ino_of(c));
	CHECK_EQ(collect(ino_of(c), &f, 0), 0);
	CHECK_EQ(f.n, 1);
	CHECK_EQ(f.shutdown, 2);
	request(0, 0, ino_of(s));
	CHECK_EQ(collect(ino_of(s), &f, 0), 0);
	CHECK_EQ(f.shutdown, 1);
	request(0, 0, 0x7ffffff0);
	CHECK_EQ(collect(0, &f, 0), -ENOENT);

	unlink(a.sun_path);
	rmdir(path);
	return test_done();
}
