//go:build ignore
/*
 * read_into_mappings: read(2) and pread(2) of a host file into the kinds
 * of memory a buffer can be (the sentry reads host files straight into
 * the application's pages):
 *  - a buffer running into an unmapped page: a short read up to it, and
 *    EFAULT when it starts there;
 *  - a read-only mapping: EFAULT, the file offset unchanged;
 *  - a private mapping of another file: copy-on-write, that file
 *    unchanged;
 *  - memory shared copy-on-write with a forked child: the child's read
 *    does not show in the parent;
 *  - a MAP_SHARED anonymous mapping: the other process sees the data;
 *  - a read of several MiB in one call, and across EOF.
 */
#include "testutil.h"

#include <fcntl.h>
#include <sys/mman.h>

#define PAGE 4096

/* The host file, and its content as read into the heap. */
static const char *path = "/proc/self/exe";
static unsigned char *want;
static size_t want_len;

static int check_bytes(const unsigned char *b, size_t off, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i] != want[off + i])
			return 0;
	return 1;
}

int main(void)
{
	/* The test's own executable is a stable host file of known content:
	 * read it once the ordinary way, into a malloc'ed buffer. */
	int fd = open(path, O_RDONLY);
	ASSERT_GE(fd, 0);
	off_t size = lseek(fd, 0, SEEK_END);
	ASSERT_GT(size, 3 * PAGE);
	want_len = size;
	want = malloc(want_len);
	ASSERT_NE(want, NULL);
	size_t got = 0;
	while (got < want_len) {
		ssize_t n = pread(fd, want + got, 1000, got); /* small pieces */
		ASSERT_GT(n, 0);
		got += n;
	}
	CHECK_MEMEQ(want, "\177ELF", 4);

	/* A buffer that runs into an unmapped page. */
	char *two = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(two, MAP_FAILED);
	ASSERT_OK(munmap(two + PAGE, PAGE));
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(read(fd, two + PAGE - 100, 300), 100);
	CHECK(check_bytes((unsigned char *)two + PAGE - 100, 0, 100));
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 100);
	CHECK_ERRNO(read(fd, two + PAGE, 10), -1, EFAULT);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 100);
	CHECK_ERRNO(RAW(SYS_pread64, fd, 0, 10, 0), -1, EFAULT);

	/* A read-only mapping. */
	char *ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(ro, MAP_FAILED);
	CHECK_ERRNO(read(fd, ro, 10), -1, EFAULT);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 100);
	CHECK_EQ(ro[0], 0);

	/* A private mapping of another file: the read lands in our copy. */
	char tmpl[] = "/tmp/read_into_mappingsXXXXXX";
	int tfd = mkstemp(tmpl);
	ASSERT_GE(tfd, 0);
	unlink(tmpl);
	char zeros[2 * PAGE];
	memset(zeros, 'z', sizeof zeros);
	ASSERT_EQ(write(tfd, zeros, sizeof zeros), (ssize_t)sizeof zeros);
	unsigned char *priv = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, tfd, 0);
	ASSERT_NE(priv, MAP_FAILED);
	CHECK_EQ(priv[PAGE], 'z'); /* fault it in read-only first */
	CHECK_EQ(pread(fd, priv + 10, 2 * PAGE - 20, 5), 2 * PAGE - 20);
	CHECK(check_bytes(priv + 10, 5, 2 * PAGE - 20));
	CHECK_EQ(priv[0], 'z');
	char back[2 * PAGE];
	CHECK_EQ(pread(tfd, back, sizeof back, 0), (ssize_t)sizeof back);
	CHECK_MEMEQ(back, zeros, sizeof back);

	/* Memory shared copy-on-write with a child, and memory shared for
	 * real. */
	unsigned char *cow = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char *shared = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(cow, MAP_FAILED);
	ASSERT_NE(shared, MAP_FAILED);
	memset(cow, 'c', 4 * PAGE);
	pid_t pid = test_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		CHECK_EQ(pread(fd, cow, 4 * PAGE, 0), 4 * PAGE);
		CHECK(check_bytes(cow, 0, 4 * PAGE));
		CHECK_EQ(pread(fd, shared + 1, 3 * PAGE, 7), 3 * PAGE);
		child_exit();
	}
	int status;
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	for (int i = 0; i < 4 * PAGE; i++)
		if (cow[i] != 'c') {
			FAIL("the child's read showed in the parent at %d", i);
			break;
		}
	CHECK(check_bytes(shared + 1, 7, 3 * PAGE));

	/* Several MiB in one call, and across EOF. */
	size_t big = 5 << 20;
	unsigned char *bb = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(bb, MAP_FAILED);
	CHECK_EQ(pread(fd, bb, big, 0), (ssize_t)want_len);
	CHECK(check_bytes(bb, 0, want_len));
	CHECK_EQ(pread(fd, bb, 100, want_len - 30), 30);
	CHECK_EQ(pread(fd, bb, 100, want_len), 0);
	CHECK_EQ(lseek(fd, want_len - 10, SEEK_SET), (off_t)want_len - 10);
	CHECK_EQ(read(fd, bb, big), 10);
	CHECK(check_bytes(bb, want_len - 10, 10));
	CHECK_EQ(read(fd, bb, big), 0);
	CHECK_EQ(read(fd, bb, 0), 0);

	close(fd);
	close(tfd);
	return test_done();
}
