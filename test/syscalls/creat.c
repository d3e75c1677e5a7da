//go:build ignore

/* open with O_CREAT, O_EXCL, O_TRUNC and creat: modes, umask, symlinks. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	struct stat st;
	int fd;
	setup_dir();
	umask(022);

	/* A new file gets the mode less the umask, and the caller's ids. */
	ASSERT_OK(fd = open("a", O_CREAT | O_WRONLY, 0777));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_mode, S_IFREG | 0755);
	CHECK_EQ(st.st_uid, geteuid());
	CHECK_EQ(st.st_gid, getegid());
	CHECK_EQ(st.st_size, 0);
	CHECK_EQ(st.st_nlink, 1);
	CHECK_EQ(write(fd, "hello", 5), 5);
	close(fd);
	/* A new file may be opened for writing even with mode 0. */
	ASSERT_OK(fd = open("zero", O_CREAT | O_RDWR, 0));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_mode, S_IFREG);
	close(fd);

	/* O_EXCL on an existing name. */
	CHECK_ERRNO(open("a", O_CREAT | O_EXCL | O_WRONLY, 0644), -1, EEXIST);
	/* O_CREAT without O_EXCL opens the existing file, mode unchanged. */
	ASSERT_OK(fd = open("a", O_CREAT | O_RDONLY, 0600));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_mode, S_IFREG | 0755);
	CHECK_EQ(st.st_size, 5);
	close(fd);

	/* O_TRUNC empties it. */
	ASSERT_OK(fd = open("a", O_WRONLY | O_TRUNC));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 0);
	close(fd);

	/* creat is O_CREAT|O_WRONLY|O_TRUNC. */
	ASSERT_OK(fd = open("a", O_WRONLY));
	CHECK_EQ(write(fd, "data", 4), 4);
	close(fd);
	ASSERT_OK(fd = creat("a", 0600));
	CHECK_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_WRONLY);
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 0);
	char c;
	CHECK_ERRNO(read(fd, &c, 1), -1, EBADF);
	close(fd);

	/* The umask applies; O_CREAT on a directory is EISDIR, and so is a
	 * trailing slash on a new name. */
	umask(077);
	ASSERT_OK(fd = open("b", O_CREAT | O_WRONLY, 0666));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_mode & 07777, 0600);
	close(fd);
	umask(022);
	ASSERT_OK(mkdir("d", 0755));
	CHECK_ERRNO(open("d", O_CREAT | O_RDONLY, 0644), -1, EISDIR);
	CHECK_ERRNO(open("new/", O_CREAT | O_RDONLY, 0644), -1, EISDIR);
	CHECK_ERRNO(open("nodir/x", O_CREAT | O_RDONLY, 0644), -1, ENOENT);
	CHECK_ERRNO(open("a/x", O_CREAT | O_RDONLY, 0644), -1, ENOTDIR);

	/* A dangling symlink: O_CREAT creates its target... */
	ASSERT_OK(symlink("target", "link"));
	ASSERT_OK(fd = open("link", O_CREAT | O_WRONLY, 0644));
	close(fd);
	CHECK_OK(stat("target", &st));
	CHECK_EQ(S_ISREG(st.st_mode), 1);
	/* ... but not with O_EXCL, and O_NOFOLLOW refuses the link. */
	ASSERT_OK(symlink("target2", "link2"));
	CHECK_ERRNO(open("link2", O_CREAT | O_EXCL | O_WRONLY, 0644), -1, EEXIST);
	CHECK_ERRNO(open("link", O_RDONLY | O_NOFOLLOW), -1, ELOOP);
	CHECK_ERRNO(stat("target2", &st), -1, ENOENT);

	/* Names too long. */
	char name[300];
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	CHECK_ERRNO(open(name, O_CREAT | O_WRONLY, 0644), -1, ENAMETOOLONG);

	/* The directory's mtime moves on create. */
	struct stat d1, d2;
	CHECK_OK(stat("d", &d1));
	struct timespec ts = {0, 20000000};
	nanosleep(&ts, NULL);
	ASSERT_OK(fd = open("d/f", O_CREAT | O_WRONLY, 0644));
	close(fd);
	CHECK_OK(stat("d", &d2));
	CHECK(d2.st_mtim.tv_sec > d1.st_mtim.tv_sec ||
	      (d2.st_mtim.tv_sec == d1.st_mtim.tv_sec && d2.st_mtim.tv_nsec > d1.st_mtim.tv_nsec));

	cleanup_dir();
	return test_done();
}
