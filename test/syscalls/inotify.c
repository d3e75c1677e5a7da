//go:build ignore

/* inotify: events for changes to watched files and directories. */
#include "testutil.h"
#include <poll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

static char ebuf[4096];
static int elen, epos;

/* next returns the next event, reading more if needed (non-blocking). */
static struct inotify_event *next(int fd)
{
	if (epos >= elen) {
		elen = read(fd, ebuf, sizeof(ebuf));
		epos = 0;
		if (elen <= 0) {
			elen = 0;
			return NULL;
		}
	}
	struct inotify_event *e = (struct inotify_event *)(ebuf + epos);
	epos += sizeof(*e) + e->len;
	return e;
}

#define EXPECT(fd, wdv, maskv, namev)                                              	do {                                                                       		struct inotify_event *e = next(fd);                                		if (!e) {                                                          			FAIL("no event, want mask %#x %s", (unsigned)(maskv), namev); 			break;                                                     		}                                                                  		CHECK_EQ(e->wd, wdv);                                              		CHECK_EQ(e->mask, maskv);                                          		CHECK_STREQ(e->len ? e->name : "", namev);                         	} while (0)

int main(void)
{
	int in, fd;
	setup_dir();
	ASSERT_OK(in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
	CHECK_EQ(fcntl(in, F_GETFD), FD_CLOEXEC);
	CHECK_ERRNO(read(in, ebuf, sizeof(ebuf)), -1, EAGAIN);

	int dw;
	ASSERT_OK(dw = inotify_add_watch(in, ".", IN_CREATE | IN_DELETE | IN_MODIFY | IN_MOVED_FROM |
						     IN_MOVED_TO | IN_ATTRIB | IN_CLOSE_WRITE));
	ASSERT_OK(fd = open("f", O_CREAT | O_WRONLY, 0644));
	EXPECT(in, dw, IN_CREATE, "f");
	CHECK_EQ(write(fd, "x", 1), 1);
	EXPECT(in, dw, IN_MODIFY, "f");
	/* Identical events in a row merge into one. */
	CHECK_EQ(write(fd, "x", 1), 1);
	CHECK_EQ(write(fd, "x", 1), 1);
	EXPECT(in, dw, IN_MODIFY, "f");
	close(fd);
	EXPECT(in, dw, IN_CLOSE_WRITE, "f");
	CHECK_OK(chmod("f", 0600));
	EXPECT(in, dw, IN_ATTRIB, "f");
	CHECK_OK(rename("f", "g"));
	struct inotify_event *from = next(in);
	ASSERT_NE(from, NULL);
	CHECK_EQ(from->mask, IN_MOVED_FROM);
	CHECK_STREQ(from->name, "f");
	uint32_t cookie = from->cookie;
	struct inotify_event *to = next(in);
	ASSERT_NE(to, NULL);
	CHECK_EQ(to->mask, IN_MOVED_TO);
	CHECK_STREQ(to->name, "g");
	CHECK_EQ(to->cookie, cookie);
	CHECK_NE(cookie, 0);
	CHECK_OK(mkdir("d", 0755));
	EXPECT(in, dw, IN_CREATE | IN_ISDIR, "d");
	CHECK_OK(rmdir("d"));
	EXPECT(in, dw, IN_DELETE | IN_ISDIR, "d");

	/* A watch on a file: its own events, without a name. */
	int fw;
	ASSERT_OK(fw = inotify_add_watch(in, "g", IN_ALL_EVENTS));
	CHECK_NE(fw, dw);
	CHECK_EQ(inotify_add_watch(in, "g", IN_ALL_EVENTS), fw);
	ASSERT_OK(fd = open("g", O_RDONLY));
	EXPECT(in, fw, IN_OPEN, "");
	char c;
	CHECK_EQ(read(fd, &c, 1), 1);
	EXPECT(in, fw, IN_ACCESS, "");
	close(fd);
	EXPECT(in, fw, IN_CLOSE_NOWRITE, "");
	/* FIONREAD, then removing the file: IN_ATTRIB? no, the last link:
	 * IN_DELETE_SELF, IN_IGNORED on the file; IN_DELETE on the
	 * directory. */
	CHECK_OK(unlink("g"));
	int avail = 0;
	CHECK_OK(ioctl(in, FIONREAD, &avail));
	CHECK_GT(avail, 0);
	int sawDelete = 0, sawSelf = 0, sawIgnored = 0;
	for (struct inotify_event *e; (e = next(in)) != NULL;) {
		if (e->wd == dw && e->mask == IN_DELETE && !strcmp(e->name, "g"))
			sawDelete = 1;
		if (e->wd == fw && e->mask == IN_DELETE_SELF)
			sawSelf = 1;
		if (e->wd == fw && e->mask == IN_IGNORED)
			sawIgnored = 1;
	}
	CHECK(sawDelete && sawSelf && sawIgnored);
	/* The watch is gone. */
	CHECK_ERRNO(inotify_rm_watch(in, fw), -1, EINVAL);

	/* poll sees pending events; rm_watch queues IN_IGNORED. */
	struct pollfd p = {in, POLLIN, 0};
	CHECK_EQ(poll(&p, 1, 0), 0);
	CHECK_OK(inotify_rm_watch(in, dw));
	CHECK_EQ(poll(&p, 1, 0), 1);
	EXPECT(in, dw, IN_IGNORED, "");

	/* IN_ONESHOT. */
	int ow;
	ASSERT_OK(ow = inotify_add_watch(in, ".", IN_CREATE | IN_ONESHOT));
	ASSERT_OK(fd = open("h", O_CREAT | O_WRONLY, 0644));
	close(fd);
	EXPECT(in, ow, IN_CREATE, "h");
	EXPECT(in, ow, IN_IGNORED, "");
	ASSERT_OK(fd = open("i", O_CREAT | O_WRONLY, 0644));
	close(fd);
	CHECK_EQ(next(in), NULL);

	/* A buffer too small for the next event: EINVAL. */
	ASSERT_OK(dw = inotify_add_watch(in, ".", IN_CREATE));
	ASSERT_OK(fd = open("long-name-here", O_CREAT | O_WRONLY, 0644));
	close(fd);
	CHECK_ERRNO(read(in, ebuf, 16), -1, EINVAL);
	CHECK_EQ(read(in, ebuf, sizeof(ebuf)), 16 + 16);

	/* Errors. */
	CHECK_ERRNO(inotify_add_watch(in, "nope", IN_CREATE), -1, ENOENT);
	CHECK_ERRNO(inotify_add_watch(in, ".", 0), -1, EINVAL);
	ASSERT_OK(fd = open("j", O_CREAT | O_WRONLY, 0644));
	CHECK_ERRNO(inotify_add_watch(in, "j", IN_MODIFY | IN_ONLYDIR), -1, ENOTDIR);
	CHECK_ERRNO(inotify_add_watch(fd, ".", IN_CREATE), -1, EINVAL);
	CHECK_ERRNO(inotify_init1(0x1), -1, EINVAL);
	close(fd);
	close(in);
	cleanup_dir();
	return test_done();
}
