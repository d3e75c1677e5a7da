//go:build ignore

/* O_CREAT|O_EXCL, mkdir and link are atomic: of many processes racing
 * for one name, exactly one wins. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

/* Every test works in a fresh directory under /tmp, removed at the end. */
static char tdir[64];

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void setup_dir(void)
{
	strcpy(tdir, "/tmp/moat-test-XXXXXX");
	if (!mkdtemp(tdir))
		FATAL("mkdtemp: errno %d", errno);
	if (chdir(tdir))
		FATAL("chdir: errno %d", errno);
}

static void cleanup_dir(void)
{
	if (chdir("/")) {
	}
	nftw(tdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
	setup_dir();
	int p[2];
	ASSERT_OK(pipe(p));
	enum { kids = 8, rounds = 20 };
	for (int k = 0; k < kids; k++) {
		if (test_fork() == 0) {
			int wins = 0;
			char name[32];
			for (int r = 0; r < rounds; r++) {
				snprintf(name, sizeof(name), "f%d", r);
				int fd = open(name, O_CREAT | O_EXCL | O_WRONLY, 0644);
				if (fd >= 0) {
					wins++;
					close(fd);
				} else if (errno != EEXIST)
					_exit(2);
				snprintf(name, sizeof(name), "d%d", r);
				if (mkdir(name, 0755) == 0)
					wins++;
				else if (errno != EEXIST)
					_exit(3);
			}
			if (write(p[1], &wins, sizeof(wins)) != sizeof(wins))
				_exit(4);
			_exit(0);
		}
	}
	int total = 0;
	for (int k = 0; k < kids; k++) {
		int w, status;
		CHECK_EQ(read(p[0], &w, sizeof(w)), sizeof(w));
		total += w;
		CHECK_GT(wait(&status), 0);
		CHECK_CHILD_OK(status);
	}
	CHECK_EQ(total, 2 * rounds);
	cleanup_dir();
	return test_done();
}
