//go:build ignore

/* getdents64 on a directory that changes: new names, removed names,
 * types. */
#include "testutil.h"
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

static int count(const char *dir, const char *want, unsigned char *type)
{
	DIR *d = opendir(dir);
	if (!d)
		FATAL("opendir: errno %d", errno);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (want && strcmp(e->d_name, want) == 0 && type)
			*type = e->d_type;
		n++;
	}
	closedir(d);
	return n;
}

int main(void)
{
	unsigned char t = 0;
	int fd;
	setup_dir();
	CHECK_EQ(count(".", NULL, NULL), 2);
	ASSERT_OK(fd = open("file", O_CREAT | O_WRONLY, 0644));
	close(fd);
	ASSERT_OK(mkdir("dir", 0755));
	ASSERT_OK(symlink("file", "link"));
	ASSERT_OK(mkfifo("fifo", 0644));
	CHECK_EQ(count(".", "file", &t), 6);
	CHECK_EQ(t, DT_REG);
	count(".", "dir", &t);
	CHECK_EQ(t, DT_DIR);
	count(".", "link", &t);
	CHECK_EQ(t, DT_LNK);
	count(".", "fifo", &t);
	CHECK_EQ(t, DT_FIFO);

	/* d_ino matches st_ino. */
	DIR *d = opendir(".");
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		struct stat st;
		if (strcmp(e->d_name, "..") == 0)
			continue;
		CHECK_OK(lstat(e->d_name, &st));
		if (st.st_ino != e->d_ino)
			FAIL("%s: d_ino %lu, st_ino %lu", e->d_name, (unsigned long)e->d_ino, (unsigned long)st.st_ino);
	}
	closedir(d);

	/* Many entries, read in small batches. */
	char name[32];
	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "n%03d", i);
		ASSERT_OK(fd = open(name, O_CREAT | O_WRONLY, 0644));
		close(fd);
	}
	int dfd;
	ASSERT_OK(dfd = open(".", O_RDONLY | O_DIRECTORY));
	char buf[512];
	int total = 0, seen[300] = {0};
	for (;;) {
		long n = RAW(SYS_getdents64, dfd, buf, sizeof(buf));
		ASSERT_GE(n, 0);
		if (n == 0)
			break;
		for (long off = 0; off < n;) {
			struct dirent64 *de = (struct dirent64 *)(buf + off);
			int k;
			if (sscanf(de->d_name, "n%d", &k) == 1 && k >= 0 && k < 300)
				seen[k]++;
			total++;
			off += de->d_reclen;
		}
	}
	CHECK_EQ(total, 306);
	for (int i = 0; i < 300; i++)
		if (seen[i] != 1)
			FAIL("n%03d seen %d times", i, seen[i]);
	/* Rewinding reads the current contents. */
	CHECK_OK(unlink("n000"));
	CHECK_EQ(lseek(dfd, 0, SEEK_SET), 0);
	total = 0;
	for (;;) {
		long n = RAW(SYS_getdents64, dfd, buf, sizeof(buf));
		ASSERT_GE(n, 0);
		if (n == 0)
			break;
		for (long off = 0; off < n; off += ((struct dirent64 *)(buf + off))->d_reclen)
			total++;
	}
	CHECK_EQ(total, 305);
	close(dfd);

	/* An emptied directory lists . and .. only. */
	CHECK_EQ(count("dir", NULL, NULL), 2);
	cleanup_dir();
	return test_done();
}
