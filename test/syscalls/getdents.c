//go:build ignore

/*
 * getdents64 over /usr: "." and ".." are listed, every name exists with the
 * inode and type getdents reported, small buffers and rewinding give the same
 * set, and a buffer too small for one entry is EINVAL.
 */
#include "testutil.h"
#include <dirent.h>
#include <stddef.h>
#include <fcntl.h>
#include <sys/stat.h>

struct dirent64_k {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

#define MAXN 512
struct ent {
	char name[256];
	uint64_t ino;
	unsigned char type;
};

static int cmp(const void *a, const void *b)
{
	return strcmp(((const struct ent *)a)->name, ((const struct ent *)b)->name);
}

/* list reads the whole directory with buffers of bufsize bytes. */
static int list(int fd, size_t bufsize, struct ent *out)
{
	static char buf[65536];
	int n = 0;
	for (;;) {
		long r = RAW(SYS_getdents64, fd, buf, bufsize);
		if (r < 0) {
			FAIL("getdents64(bufsize %zu): errno %d", bufsize, errno);
			return -1;
		}
		if (r == 0)
			break;
		if ((size_t)r > bufsize) {
			FAIL("getdents64 returned %ld > %zu", r, bufsize);
			return -1;
		}
		for (long off = 0; off < r;) {
			struct dirent64_k *d = (struct dirent64_k *)(buf + off);
			if (d->d_reclen == 0 || off + d->d_reclen > r || d->d_reclen % 8 != 0) {
				FAIL("bad d_reclen %u at %ld of %ld", d->d_reclen, off, r);
				return -1;
			}
			if (strlen(d->d_name) + 1 + offsetof(struct dirent64_k, d_name) > d->d_reclen)
				FAIL("name %s overflows its record", d->d_name);
			if (n == MAXN) {
				FAIL("too many entries");
				return -1;
			}
			strncpy(out[n].name, d->d_name, sizeof(out[n].name) - 1);
			out[n].ino = d->d_ino;
			out[n].type = d->d_type;
			n++;
			off += d->d_reclen;
		}
	}
	qsort(out, n, sizeof(*out), cmp);
	return n;
}

static unsigned char type_of(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG: return DT_REG;
	case S_IFDIR: return DT_DIR;
	case S_IFLNK: return DT_LNK;
	case S_IFCHR: return DT_CHR;
	case S_IFBLK: return DT_BLK;
	case S_IFIFO: return DT_FIFO;
	case S_IFSOCK: return DT_SOCK;
	}
	return DT_UNKNOWN;
}

static struct ent a[MAXN], b[MAXN], c[MAXN];

int main(void)
{
	int fd;
	ASSERT_OK(fd = open("/usr", O_RDONLY | O_DIRECTORY));
	int n = list(fd, 65536, a);
	ASSERT_GE(n, 4);

	int dot = 0, dotdot = 0, subdirs = 0;
	struct stat self, parent, st;
	ASSERT_OK(stat("/usr", &self));
	ASSERT_OK(stat("/", &parent));
	for (int i = 0; i < n; i++) {
		if (i > 0 && strcmp(a[i].name, a[i - 1].name) == 0)
			FAIL("name %s listed twice", a[i].name);
		if (strcmp(a[i].name, ".") == 0) {
			dot++;
			CHECK_EQ(a[i].ino, self.st_ino);
			CHECK_EQ(a[i].type, DT_DIR);
			continue;
		}
		if (strcmp(a[i].name, "..") == 0) {
			dotdot++;
			CHECK_EQ(a[i].ino, parent.st_ino);
			CHECK_EQ(a[i].type, DT_DIR);
			continue;
		}
		/* Every listed name exists, with the same inode and type. */
		if (fstatat(fd, a[i].name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			FAIL("listed %s but fstatat fails: errno %d", a[i].name, errno);
			continue;
		}
		if (st.st_ino != a[i].ino)
			FAIL("%s: d_ino %llu, st_ino %llu", a[i].name,
			     (unsigned long long)a[i].ino, (unsigned long long)st.st_ino);
		if (a[i].type != DT_UNKNOWN && a[i].type != type_of(st.st_mode))
			FAIL("%s: d_type %u, stat type %u", a[i].name, a[i].type,
			     type_of(st.st_mode));
		if (S_ISDIR(st.st_mode))
			subdirs++;
	}
	CHECK_EQ(dot, 1);
	CHECK_EQ(dotdot, 1);
	/* On ext4, a directory's link count is 2 + its subdirectories. */
	CHECK_EQ(self.st_nlink, 2 + subdirs);

	/* Names that stat says exist are listed. */
	const char *must[] = { "bin", "lib", "share" };
	for (size_t k = 0; k < sizeof(must) / sizeof(must[0]); k++) {
		struct ent key;
		strcpy(key.name, must[k]);
		CHECK_EQ(fstatat(fd, must[k], &st, 0), 0);
		if (bsearch(&key, a, n, sizeof(*a), cmp) == NULL)
			FAIL("/usr/%s exists but is not listed", must[k]);
	}

	/* At the end, getdents64 keeps returning 0. */
	char small[64];
	CHECK_EQ(RAW(SYS_getdents64, fd, small, sizeof(small)), 0);

	/* Rewind and read with a buffer that holds about one entry at a time. */
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	int m = list(fd, 280, b);
	CHECK_EQ(m, n);
	for (int i = 0; i < n && i < m; i++) {
		CHECK_STREQ(b[i].name, a[i].name);
		CHECK_EQ(b[i].ino, a[i].ino);
	}
	/* A fresh open gives the same set too. */
	int fd2;
	ASSERT_OK(fd2 = open("/usr/", O_RDONLY | O_DIRECTORY));
	m = list(fd2, 1024, c);
	CHECK_EQ(m, n);
	for (int i = 0; i < n && i < m; i++)
		CHECK_STREQ(c[i].name, a[i].name);

	/* A buffer too small for any entry: EINVAL. */
	CHECK_EQ(lseek(fd2, 0, SEEK_SET), 0);
	CHECK_ERRNO(RAW(SYS_getdents64, fd2, small, 1), -1, EINVAL);
	CHECK_ERRNO(RAW(SYS_getdents64, fd2, small, 0), -1, EINVAL);
	/* Bad buffer: EFAULT. Bad fd: EBADF. */
	CHECK_ERRNO(RAW(SYS_getdents64, fd2, (void *)8, 4096), -1, EFAULT);
	CHECK_ERRNO(RAW(SYS_getdents64, -1, small, sizeof(small)), -1, EBADF);
	close(fd2);
	close(fd);
	return test_done();
}
