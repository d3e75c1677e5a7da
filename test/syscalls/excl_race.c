//go:build ignore

/* O_CREAT|O_EXCL, mkdir and link are atomic: of many processes racing
 * for one name, exactly one wins. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

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
