//go:build ignore

/* utimensat, futimens, futimesat, utimes, utime: times and who may set
 * them. */
#include "testutil.h"
#include <sys/time.h>
#include <utime.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

int main(void)
{
	struct stat st;
	int fd;
	setup_dir();
	ASSERT_OK(chmod(tdir, 0777));
	ASSERT_OK(fd = open("f", O_CREAT | O_RDWR, 0666));

	struct timespec ts[2] = {{1000, 5}, {2000, 6}};
	CHECK_EQ(utimensat(AT_FDCWD, "f", ts, 0), 0);
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_atim.tv_sec, 1000);
	CHECK_EQ(st.st_atim.tv_nsec, 5);
	CHECK_EQ(st.st_mtim.tv_sec, 2000);
	CHECK_EQ(st.st_mtim.tv_nsec, 6);
	/* UTIME_OMIT leaves one alone; UTIME_NOW sets now. */
	struct timespec t2[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
	CHECK_EQ(futimens(fd, t2), 0);
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_atim.tv_sec, 1000);
	CHECK_GT(st.st_mtim.tv_sec, 2000);
	/* NULL sets both to now. */
	CHECK_EQ(utimensat(AT_FDCWD, "f", NULL, 0), 0);
	CHECK_OK(stat("f", &st));
	CHECK_GT(st.st_atim.tv_sec, 1000);
	/* Bad nanoseconds, bad flags. */
	struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
	CHECK_ERRNO(utimensat(AT_FDCWD, "f", bad, 0), -1, EINVAL);
	CHECK_ERRNO(utimensat(AT_FDCWD, "f", ts, 0x8000), -1, EINVAL);
	CHECK_ERRNO(utimensat(AT_FDCWD, "nope", ts, 0), -1, ENOENT);

	/* AT_SYMLINK_NOFOLLOW changes the link. */
	ASSERT_OK(symlink("f", "l"));
	struct timespec t3[2] = {{3000, 0}, {4000, 0}};
	CHECK_EQ(utimensat(AT_FDCWD, "l", t3, AT_SYMLINK_NOFOLLOW), 0);
	CHECK_OK(lstat("l", &st));
	CHECK_EQ(st.st_mtim.tv_sec, 4000);
	CHECK_OK(stat("l", &st));
	CHECK_NE(st.st_mtim.tv_sec, 4000);

	/* utimes and futimesat take microseconds. */
	struct timeval tv[2] = {{5000, 7}, {6000, 8}};
	CHECK_EQ(utimes("f", tv), 0);
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_atim.tv_nsec, 7000);
	CHECK_EQ(st.st_mtim.tv_sec, 6000);
	CHECK_EQ(st.st_mtim.tv_nsec, 8000);
	struct timeval badtv[2] = {{0, 1000000}, {0, 0}};
	CHECK_ERRNO(utimes("f", badtv), -1, EINVAL);
	CHECK_EQ(RAW(SYS_futimesat, AT_FDCWD, "f", tv), 0);
	/* utime takes seconds. */
	struct utimbuf ub = {7000, 8000};
	CHECK_EQ(utime("f", &ub), 0);
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_atim.tv_sec, 7000);
	CHECK_EQ(st.st_mtim.tv_sec, 8000);
	CHECK_EQ(st.st_mtim.tv_nsec, 0);

	/* Another user: may set "now" with write permission, but not
	 * explicit times. */
	ASSERT_OK(chmod("f", 0666));
	ASSERT_OK(fd = open("ro", O_CREAT | O_RDWR, 0644));
	close(fd);
	pid_t pid = test_fork();
	if (pid == 0) {
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			FATAL("set ids: errno %d", errno);
		CHECK_EQ(utimensat(AT_FDCWD, "f", NULL, 0), 0);
		CHECK_ERRNO(utimensat(AT_FDCWD, "f", ts, 0), -1, EPERM);
		CHECK_ERRNO(utimensat(AT_FDCWD, "ro", NULL, 0), -1, EACCES);
		child_exit();
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);

	cleanup_dir();
	return test_done();
}
