//go:build ignore

/* O_APPEND writers in several processes lose nothing. */
#include "testutil.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	int fd;
	setup_dir();
	ASSERT_OK(fd = open("log", O_CREAT | O_WRONLY | O_APPEND, 0644));
	enum { kids = 4, lines = 200 };
	for (int k = 0; k < kids; k++) {
		if (test_fork() == 0) {
			char line[32];
			int n = snprintf(line, sizeof(line), "child %d line\n", k);
			for (int i = 0; i < lines; i++)
				if (write(fd, line, n) != n)
					_exit(2);
			_exit(0);
		}
	}
	for (int k = 0; k < kids; k++) {
		int status;
		CHECK_GT(wait(&status), 0);
		CHECK_CHILD_OK(status);
	}
	struct stat st;
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, kids * lines * 13);
	close(fd);
	/* Every line is whole. */
	char buf[13];
	ASSERT_OK(fd = open("log", O_RDONLY));
	int counts[kids] = {0};
	while (read(fd, buf, 13) == 13) {
		int k;
		if (sscanf(buf, "child %d line", &k) == 1 && k >= 0 && k < kids && buf[12] == '\n')
			counts[k]++;
		else
			FAIL("torn line");
	}
	for (int k = 0; k < kids; k++)
		CHECK_EQ(counts[k], lines);
	close(fd);
	cleanup_dir();
	return test_done();
}
