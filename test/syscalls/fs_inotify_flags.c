//go:build ignore

/* inotify watch flags: IN_ONESHOT, IN_MASK_ADD, IN_MASK_CREATE, IN_ONLYDIR, IN_DONT_FOLLOW; open, close, attrib and move-self events. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <poll.h>
#include <sys/inotify.h>

static char ebuf[4096] __attribute__((aligned(8)));
static int elen, eoff;

/* next returns the next event, or NULL when none is queued. */
static struct inotify_event *next(int in)
{
	if (eoff >= elen) {
		struct pollfd p = {.fd = in, .events = POLLIN};
		if (poll(&p, 1, 0) != 1)
			return NULL;
		elen = read(in, ebuf, sizeof(ebuf));
		eoff = 0;
		if (elen <= 0)
			return NULL;
	}
	struct inotify_event *e = (void *)(ebuf + eoff);
	eoff += sizeof(*e) + e->len;
	return e;
}

#define EXPECT(in, wd_, mask_)                                              \
	do {                                                                \
		struct inotify_event *e_ = next(in);                        \
		if (!e_)                                                    \
			FAIL("want event 0x%x, got none", (unsigned)(mask_)); \
		else {                                                      \
			CHECK_EQ(e_->wd, wd_);                              \
			CHECK_EQ(e_->mask, mask_);                          \
		}                                                           \
	} while (0)

int main(void)
{
	int in, fd, w, w2;
	setup_dir();
	ASSERT_OK(in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
	ASSERT_OK(fd = open("f", O_CREAT | O_RDWR, 0644));
	close(fd);
	ASSERT_OK(mkdir("d", 0755));
	ASSERT_OK(symlink("f", "l"));

	/* Open and close events, with and without writing. */
	ASSERT_OK(w = inotify_add_watch(in, "f", IN_OPEN | IN_CLOSE_WRITE | IN_CLOSE_NOWRITE | IN_ATTRIB));
	ASSERT_OK(fd = open("f", O_RDONLY));
	close(fd);
	EXPECT(in, w, IN_OPEN);
	EXPECT(in, w, IN_CLOSE_NOWRITE);
	ASSERT_OK(fd = open("f", O_WRONLY));
	close(fd);
	EXPECT(in, w, IN_OPEN);
	EXPECT(in, w, IN_CLOSE_WRITE);
	ASSERT_OK(chmod("f", 0600));
	EXPECT(in, w, IN_ATTRIB);
	CHECK(next(in) == NULL);

	/* Adding a watch again replaces its mask (same wd); IN_MASK_ADD
	 * ORs into it. */
	CHECK_EQ(inotify_add_watch(in, "f", IN_ATTRIB), w);
	ASSERT_OK(fd = open("f", O_RDONLY));
	close(fd);
	CHECK(next(in) == NULL);
	CHECK_EQ(inotify_add_watch(in, "f", IN_OPEN | IN_MASK_ADD), w);
	ASSERT_OK(fd = open("f", O_RDONLY));
	close(fd);
	EXPECT(in, w, IN_OPEN);
	ASSERT_OK(chmod("f", 0644));
	EXPECT(in, w, IN_ATTRIB);
	/* IN_MASK_CREATE on an existing watch: EEXIST; with IN_MASK_ADD:
	 * EINVAL. */
	CHECK_ERRNO(inotify_add_watch(in, "f", IN_OPEN | IN_MASK_CREATE), -1, EEXIST);
	CHECK_ERRNO(inotify_add_watch(in, "f", IN_OPEN | IN_MASK_CREATE | IN_MASK_ADD), -1, EINVAL);
	/* A watch through a symlink watches the target, unless
	 * IN_DONT_FOLLOW. */
	CHECK_EQ(inotify_add_watch(in, "l", IN_ATTRIB), w);
	ASSERT_OK(w2 = inotify_add_watch(in, "l", IN_ATTRIB | IN_DONT_FOLLOW));
	CHECK_NE(w2, w);
	/* IN_ONLYDIR on a file: ENOTDIR. */
	CHECK_ERRNO(inotify_add_watch(in, "f", IN_ATTRIB | IN_ONLYDIR), -1, ENOTDIR);
	/* An empty mask: EINVAL. */
	CHECK_ERRNO(inotify_add_watch(in, "f", 0), -1, EINVAL);
	CHECK_OK(inotify_rm_watch(in, w2));
	EXPECT(in, w2, IN_IGNORED);

	/* IN_ONESHOT: one event, then IN_IGNORED and the watch is gone. */
	int wd;
	ASSERT_OK(wd = inotify_add_watch(in, "d", IN_CREATE | IN_ONESHOT | IN_ONLYDIR));
	ASSERT_OK(fd = open("d/a", O_CREAT | O_WRONLY, 0644));
	close(fd);
	ASSERT_OK(fd = open("d/b", O_CREAT | O_WRONLY, 0644));
	close(fd);
	struct inotify_event *e = next(in);
	ASSERT_NE(e, NULL);
	CHECK_EQ(e->wd, wd);
	CHECK_EQ(e->mask, IN_CREATE);
	CHECK_STREQ(e->name, "a");
	EXPECT(in, wd, IN_IGNORED);
	CHECK(next(in) == NULL);
	CHECK_ERRNO(inotify_rm_watch(in, wd), -1, EINVAL);

	/* IN_MOVE_SELF when the watched directory is renamed. */
	ASSERT_OK(wd = inotify_add_watch(in, "d", IN_MOVE_SELF));
	ASSERT_OK(rename("d", "d2"));
	EXPECT(in, wd, IN_MOVE_SELF);
	/* Events of the watched file name no file. */
	ASSERT_OK(chmod("f", 0640));
	e = next(in);
	ASSERT_NE(e, NULL);
	CHECK_EQ(e->mask, IN_ATTRIB);
	CHECK_EQ(e->len, 0);
	close(in);
	cleanup_dir();
	return test_done();
}
