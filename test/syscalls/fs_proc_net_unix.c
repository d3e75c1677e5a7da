//go:build ignore

/*
 * /proc/net/unix: Linux's header; a line per unix socket with the
 * listener flag (__SO_ACCEPTCON), the type, the state (01 unconnected or
 * listening, 02 a connection not yet accepted, 03 connected), the inode
 * that fstat of the socket gives, and the name: a path, or @ and an
 * abstract name with @ for its NULs. A closed socket's line goes.
 */
#include "testutil.h"
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <stddef.h>
#include <sys/un.h>

static char buf[1 << 20];

static unsigned long ino_of(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 ? st.st_ino : 0;
}

/* find counts the lines with flags, type, state, inode (any if ino is
 * -1) and name ("" for none). */
static int find(unsigned flags, unsigned type, unsigned st, long ino, const char *name)
{
	if (read_text("/proc/net/unix", buf, sizeof(buf)) < 0)
		return -1;
	if (strncmp(buf, "Num       RefCount Protocol Flags    Type St Inode Path\n", 56) != 0)
		return -2;
	int n = 0;
	char *save;
	for (char *l = strtok_r(buf + 56, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		unsigned long num, ref, proto, fl, ty, s, in;
		char path[256] = "";
		int got = sscanf(l, "%lx: %lX %lX %lX %lX %lX %lu %255s", &num, &ref, &proto, &fl, &ty, &s, &in, path);
		if (got < 7)
			return -3;
		if (fl == flags && ty == type && s == st && (ino < 0 || in == (unsigned long)ino) && !strcmp(path, name))
			n++;
	}
	return n;
}

int main(void)
{
	setup_dir();
	char path[128];
	snprintf(path, sizeof(path), "%s/s", tdir);
	int l, c, a, x, p[2];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	strcpy(sa.sun_path, path);
	ASSERT_OK(l = socket(AF_UNIX, SOCK_STREAM, 0));
	ASSERT_OK(bind(l, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_OK(listen(l, 4));
	CHECK_EQ(find(0x10000, SOCK_STREAM, 1, ino_of(l), path), 1);

	ASSERT_OK(c = socket(AF_UNIX, SOCK_STREAM, 0));
	ASSERT_OK(connect(c, (struct sockaddr *)&sa, sizeof(sa)));
	CHECK_EQ(find(0, SOCK_STREAM, 3, ino_of(c), ""), 1);
	/* The server side, not accepted yet: connecting, the listener's
	 * name, no inode yet. */
	CHECK_EQ(find(0, SOCK_STREAM, 2, 0, path), 1);
	ASSERT_OK(a = accept(l, NULL, NULL));
	CHECK_EQ(find(0, SOCK_STREAM, 2, -1, path), 0);
	CHECK_EQ(find(0, SOCK_STREAM, 3, ino_of(a), path), 1);

	/* An abstract name. */
	struct sockaddr_un ab = { .sun_family = AF_UNIX };
	memcpy(ab.sun_path, "\0moat-test\0x", 12);
	ASSERT_OK(x = socket(AF_UNIX, SOCK_DGRAM, 0));
	ASSERT_OK(bind(x, (struct sockaddr *)&ab, offsetof(struct sockaddr_un, sun_path) + 12));
	CHECK_EQ(find(0, SOCK_DGRAM, 1, ino_of(x), "@moat-test@x"), 1);

	/* A pair: both connected, unnamed. */
	ASSERT_OK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, p));
	CHECK_EQ(find(0, SOCK_SEQPACKET, 3, ino_of(p[0]), ""), 1);
	CHECK_EQ(find(0, SOCK_SEQPACKET, 3, ino_of(p[1]), ""), 1);

	/* A closed socket's line goes. */
	long lino = ino_of(l);
	close(l);
	CHECK_EQ(find(0x10000, SOCK_STREAM, 1, lino, path), 0);
	close(c);
	close(a);
	close(x);
	close(p[0]);
	close(p[1]);
	cleanup_dir();
	return test_done();
}
