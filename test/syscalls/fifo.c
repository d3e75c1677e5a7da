//go:build ignore

/* Named FIFOs: open rules (fifo(7)), data, stat. */
#include "testutil.h"
#include <poll.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	struct stat st, fst;
	char buf[16];
	int r, w;
	setup_dir();
	ASSERT_OK(mkfifo("p", 0644));
	CHECK_OK(stat("p", &st));

	/* A non-blocking reader opens at once; a non-blocking writer with
	 * no reader fails with ENXIO. */
	ASSERT_OK(r = open("p", O_RDONLY | O_NONBLOCK));
	CHECK_EQ(read(r, buf, sizeof(buf)), 0);
	close(r);
	CHECK_ERRNO(open("p", O_WRONLY | O_NONBLOCK), -1, ENXIO);
	/* With a reader, the writer opens and data flows. */
	ASSERT_OK(r = open("p", O_RDONLY | O_NONBLOCK));
	ASSERT_OK(w = open("p", O_WRONLY | O_NONBLOCK));
	CHECK_EQ(write(w, "abc", 3), 3);
	CHECK_EQ(read(r, buf, sizeof(buf)), 3);
	CHECK_MEMEQ(buf, "abc", 3);
	CHECK_ERRNO(read(r, buf, sizeof(buf)), -1, EAGAIN);
	/* fstat shows the FIFO's inode. */
	CHECK_OK(fstat(w, &fst));
	CHECK_EQ(fst.st_ino, st.st_ino);
	CHECK_EQ(fst.st_dev, st.st_dev);
	CHECK_EQ(S_ISFIFO(fst.st_mode), 1);
	/* The pipe size can be read. */
	CHECK_GE(fcntl(w, F_GETPIPE_SZ), 4096);
	/* Seeking a FIFO fails. */
	CHECK_ERRNO(lseek(r, 0, SEEK_SET), -1, ESPIPE);
	close(w);
	/* With the writer gone, the reader sees end of file. */
	CHECK_EQ(read(r, buf, sizeof(buf)), 0);
	close(r);

	/* O_RDWR never blocks. */
	int rw;
	ASSERT_OK(rw = open("p", O_RDWR));
	CHECK_EQ(write(rw, "x", 1), 1);
	CHECK_EQ(read(rw, buf, 1), 1);
	close(rw);

	/* A blocking reader waits for a writer from another process. */
	pid_t pid = test_fork();
	if (pid == 0) {
		struct timespec ts = {0, 50000000};
		nanosleep(&ts, NULL);
		int fd = open("p", O_WRONLY);
		if (fd < 0)
			FATAL("child open: errno %d", errno);
		CHECK_EQ(write(fd, "hello", 5), 5);
		close(fd);
		child_exit();
	}
	ASSERT_OK(r = open("p", O_RDONLY));
	int got = 0;
	for (;;) {
		ssize_t n = read(r, buf + got, sizeof(buf) - got);
		if (n <= 0)
			break;
		got += n;
	}
	CHECK_EQ(got, 5);
	CHECK_MEMEQ(buf, "hello", 5);
	close(r);
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);

	/* A blocking writer waits for a reader. */
	pid = test_fork();
	if (pid == 0) {
		int fd = open("p", O_WRONLY);
		if (fd < 0)
			FATAL("child open: errno %d", errno);
		CHECK_EQ(write(fd, "w", 1), 1);
		close(fd);
		child_exit();
	}
	struct timespec ts = {0, 50000000};
	nanosleep(&ts, NULL);
	ASSERT_OK(r = open("p", O_RDONLY));
	CHECK_EQ(read(r, buf, 1), 1);
	close(r);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);

	cleanup_dir();
	return test_done();
}
