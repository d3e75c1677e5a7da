//go:build ignore

/*
 * Unix sockets with filesystem names, in a fresh directory under /tmp:
 * bind creates a socket node (S_IFSOCK, mode 0777 less the umask, shown
 * in the directory) and fails with EADDRINUSE where a file exists,
 * ENOENT without the directory, EINVAL on a bound socket (without
 * leaving a node); connect and sendto find the socket through the node,
 * by relative and absolute names and through a symbolic link, and fail
 * with ENOENT, ECONNREFUSED (not a socket, or nobody bound), EPROTOTYPE
 * (another type); getsockname shows the name as given, with its NUL;
 * the node outlives the socket until unlinked; rename keeps it working.
 *
 * If /tmp is not writable (a sandbox without a writable /tmp), the test
 * says so and does nothing; natively it always runs.
 */
#include "testutil.h"
#include <dirent.h>
#include <fcntl.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#define SA(a) ((struct sockaddr *)(a))

static char dir[64];

static socklen_t mk(struct sockaddr_un *a, const char *name)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (name[0] == '/' || name[0] == '.')
		snprintf(a->sun_path, sizeof(a->sun_path), "%s", name);
	else
		snprintf(a->sun_path, sizeof(a->sun_path), "%s/%s", dir, name);
	return offsetof(struct sockaddr_un, sun_path) + strlen(a->sun_path) + 1;
}

static int in_dir(const char *name)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int found = 0;
	while (d && (e = readdir(d)) != NULL)
		if (strcmp(e->d_name, name) == 0)
			found = e->d_type == DT_SOCK ? 1 : 2;
	if (d)
		closedir(d);
	return found;
}

int main(void)
{
	strcpy(dir, "/tmp/moat-sockpath-XXXXXX");
	if (mkdtemp(dir) == NULL) {
		if (errno == EROFS || errno == EACCES || errno == EPERM) {
			char msg[] = "socket_path: /tmp is not writable here; skipping\n";
			if (write(2, msg, sizeof(msg) - 1) < 0) {
			}
			return test_done();
		}
		FATAL("mkdtemp: errno %d", errno);
	}
	mode_t old = umask(022);
	struct sockaddr_un a, b, g;
	socklen_t alen, blen, gl;
	char buf[64], path[128];
	struct stat st;

	/* bind makes a socket node. */
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	ASSERT_OK(l);
	alen = mk(&a, "stream");
	ASSERT_OK(bind(l, SA(&a), alen));
	CHECK_EQ(stat(a.sun_path, &st), 0);
	CHECK_EQ(st.st_mode, S_IFSOCK | 0755);
	CHECK_EQ(st.st_uid, geteuid());
	CHECK_EQ(in_dir("stream"), 1);
	gl = sizeof(g);
	CHECK_EQ(getsockname(l, SA(&g), &gl), 0);
	CHECK_EQ(gl, alen);
	CHECK_STREQ(g.sun_path, a.sun_path);
	/* Binding where something exists, or a bound socket. */
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_ERRNO(bind(s, SA(&a), alen), -1, EADDRINUSE);
	snprintf(path, sizeof(path), "%s/file", dir);
	int f = open(path, O_CREAT | O_WRONLY, 0644);
	ASSERT_OK(f);
	close(f);
	blen = mk(&b, "file");
	CHECK_ERRNO(bind(s, SA(&b), blen), -1, EADDRINUSE);
	blen = mk(&b, "nodir/x");
	CHECK_ERRNO(bind(s, SA(&b), blen), -1, ENOENT);
	blen = mk(&b, "file/x");
	CHECK_ERRNO(bind(s, SA(&b), blen), -1, ENOTDIR);
	blen = mk(&b, "other");
	CHECK_ERRNO(bind(l, SA(&b), blen), -1, EINVAL);
	CHECK_ERRNO(stat(b.sun_path, &st), -1, ENOENT);
	/* The path ends at the first NUL; without one, at the length. */
	memset(&b, 0, sizeof(b));
	b.sun_family = AF_UNIX;
	int n = snprintf(b.sun_path, sizeof(b.sun_path), "%s/nonul", dir);
	int t = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK_EQ(bind(t, SA(&b), offsetof(struct sockaddr_un, sun_path) + n), 0);
	gl = sizeof(g);
	CHECK_EQ(getsockname(t, SA(&g), &gl), 0);
	CHECK_EQ(gl, offsetof(struct sockaddr_un, sun_path) + n + 1);
	close(t);

	/* connect: by absolute and relative names. */
	ASSERT_OK(listen(l, 5));
	CHECK_EQ(connect(s, SA(&a), alen), 0);
	int c = accept(l, NULL, NULL);
	ASSERT_OK(c);
	CHECK_EQ(send(s, "abs", 3, 0), 3);
	CHECK_EQ(recv(c, buf, sizeof(buf), 0), 3);
	close(c);
	close(s);
	ASSERT_OK(chdir(dir));
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	blen = mk(&b, "./stream");
	CHECK_EQ(connect(s, SA(&b), blen), 0);
	gl = sizeof(g);
	CHECK_EQ(getpeername(s, SA(&g), &gl), 0);
	CHECK_STREQ(g.sun_path, a.sun_path);
	close(s);
	close(accept(l, NULL, NULL));
	/* A relative bind keeps the name as given. */
	t = socket(AF_UNIX, SOCK_DGRAM, 0);
	blen = mk(&b, "./rel");
	CHECK_EQ(bind(t, SA(&b), blen), 0);
	gl = sizeof(g);
	CHECK_EQ(getsockname(t, SA(&g), &gl), 0);
	CHECK_STREQ(g.sun_path, "./rel");
	CHECK_EQ(in_dir("rel"), 1);
	/* Through a symbolic link. */
	CHECK_EQ(symlink("stream", "link"), 0);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	blen = mk(&b, "link");
	CHECK_EQ(connect(s, SA(&b), blen), 0);
	close(s);
	close(accept(l, NULL, NULL));
	/* Errors. */
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	blen = mk(&b, "missing");
	CHECK_ERRNO(connect(s, SA(&b), blen), -1, ENOENT);
	blen = mk(&b, "file");
	CHECK_ERRNO(connect(s, SA(&b), blen), -1, ECONNREFUSED);
	blen = mk(&b, "rel");
	CHECK_ERRNO(connect(s, SA(&b), blen), -1, EPROTOTYPE);
	CHECK_ERRNO(sendto(socket(AF_UNIX, SOCK_DGRAM, 0), "x", 1, 0, SA(&a), alen), -1, EPROTOTYPE);
	close(s);
	/* Datagrams to a path, and the sender's path as the source. */
	int u = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un un;
	socklen_t unl = mk(&un, "sender");
	CHECK_EQ(bind(u, SA(&un), unl), 0);
	blen = mk(&b, "rel");
	CHECK_EQ(sendto(u, "dg", 2, 0, SA(&b), blen), 2);
	gl = sizeof(g);
	CHECK_EQ(recvfrom(t, buf, sizeof(buf), 0, SA(&g), &gl), 2);
	CHECK_EQ(gl, unl);
	CHECK_STREQ(g.sun_path, un.sun_path);

	/* Rename keeps the binding: the socket is found by its node. */
	CHECK_EQ(rename("rel", "renamed"), 0);
	blen = mk(&b, "renamed");
	CHECK_EQ(sendto(u, "mv", 2, 0, SA(&b), blen), 2);
	CHECK_EQ(recv(t, buf, sizeof(buf), 0), 2);
	blen = mk(&b, "rel");
	CHECK_ERRNO(sendto(u, "mv", 2, 0, SA(&b), blen), -1, ENOENT);
	/* Unlinking the node leaves the socket bound but unreachable. */
	CHECK_EQ(unlink("renamed"), 0);
	blen = mk(&b, "renamed");
	CHECK_ERRNO(sendto(u, "x", 1, 0, SA(&b), blen), -1, ENOENT);
	gl = sizeof(g);
	CHECK_EQ(getsockname(t, SA(&g), &gl), 0);
	CHECK_STREQ(g.sun_path, "./rel");
	close(t);

	/* The node outlives the socket: connect is refused and bind finds
	 * the name in use until the node is unlinked. */
	CHECK_EQ(close(l), 0);
	CHECK_EQ(stat(a.sun_path, &st), 0);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_ERRNO(connect(s, SA(&a), alen), -1, ECONNREFUSED);
	CHECK_ERRNO(bind(s, SA(&a), alen), -1, EADDRINUSE);
	CHECK_EQ(unlink(a.sun_path), 0);
	CHECK_ERRNO(connect(s, SA(&a), alen), -1, ENOENT);
	CHECK_EQ(bind(s, SA(&a), alen), 0);
	CHECK_EQ(in_dir("stream"), 1);
	close(s);

	/* Clean up. */
	umask(old);
	const char *names[] = {"stream", "file", "nonul", "link", "sender"};
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		CHECK_EQ(unlink(names[i]), 0);
	close(u);
	ASSERT_OK(chdir("/"));
	CHECK_EQ(rmdir(dir), 0);
	return test_done();
}
