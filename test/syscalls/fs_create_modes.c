//go:build ignore

/* Mode bits at creation: mkdir keeps the sticky bit but drops set-ID bits (a set-group-ID parent adds S_ISGID), open and mknod keep set-ID bits for root, umask never removes set-ID or sticky bits, and fchmod sees them. */
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
	ASSERT_OK(mkdir("d1", 07777));
	CHECK_OK(stat("d1", &st));
	CHECK_EQ(st.st_mode & 07777, 01755);
	/* In a set-group-ID directory, new directories inherit S_ISGID. */
	ASSERT_OK(chmod("d1", 02755));
	ASSERT_OK(mkdir("d1/sub", 0777));
	CHECK_OK(stat("d1/sub", &st));
	CHECK_EQ(st.st_mode & 07777, 02755);
	ASSERT_OK(fd = open("d1/file", O_CREAT | O_WRONLY, 02777));
	close(fd);
	CHECK_OK(stat("d1/file", &st));
	/* Root is in every group for this purpose: S_ISGID stays. */
	CHECK_EQ(st.st_mode & 07777, 02755);
	/* open(O_CREAT) and mknod keep all special bits for root. */
	ASSERT_OK(fd = open("f", O_CREAT | O_WRONLY, 07777));
	close(fd);
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_mode & 07777, 07755);
	CHECK_OK(mknod("fifo", S_IFIFO | 07666, 0));
	CHECK_OK(stat("fifo", &st));
	CHECK_EQ(st.st_mode & 07777, 07644);
	/* A umask with the high bits set changes nothing more. */
	CHECK_EQ(umask(07077), 022);
	ASSERT_OK(fd = open("g", O_CREAT | O_WRONLY, 07777));
	close(fd);
	CHECK_OK(stat("g", &st));
	CHECK_EQ(st.st_mode & 07777, 07700);
	/* umask() returns the old mask limited to 0777. */
	CHECK_EQ(umask(022), 077);
	/* Modes beyond 07777 are ignored by open, refused by mknod. */
	ASSERT_OK(fd = open("h", O_CREAT | O_WRONLY, 0170644));
	close(fd);
	CHECK_OK(stat("h", &st));
	CHECK_EQ(st.st_mode, S_IFREG | 0644);
	/* chmod with type bits: ignored. */
	CHECK_OK(chmod("h", S_IFDIR | 0600));
	CHECK_OK(stat("h", &st));
	CHECK_EQ(st.st_mode, S_IFREG | 0600);
	/* fchmod and fstat agree. */
	ASSERT_OK(fd = open("h", O_RDONLY));
	CHECK_OK(fchmod(fd, 04711));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_mode & 07777, 04711);
	close(fd);
	/* A symlink is always 0777 whatever the umask. */
	umask(0777);
	ASSERT_OK(symlink("h", "l"));
	CHECK_OK(lstat("l", &st));
	CHECK_EQ(st.st_mode & 07777, 0777);
	umask(022);
	cleanup_dir();
	return test_done();
}
