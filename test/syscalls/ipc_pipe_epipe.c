//go:build ignore

/*
 * The ends of a pipe's life (pipe(7)): SIGPIPE's siginfo, SIGPIPE while
 * blocked (EPIPE, left pending), a blocked writer cut off by the last
 * reader's close (the bytes written so far, and SIGPIPE), EOF only when
 * every write end (dups and children's copies) is closed, zero-length
 * reads and writes, and writev to a broken pipe.
 */
#include "testutil.h"
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/uio.h>

static volatile sig_atomic_t got_sig, got_code, got_pid, got_uid, got_errno;
static void on_pipe(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got_sig = sig;
	got_code = si->si_code;
	got_pid = si->si_pid;
	got_uid = si->si_uid;
	got_errno = si->si_errno;
}

static void nap_ms(int ms)
{
	struct timespec ts = {0, ms * 1000000L};
	nanosleep(&ts, NULL);
}

static char big[100000];

int main(void)
{
	int p[2];
	char c;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_pipe;
	sa.sa_flags = SA_SIGINFO;
	ASSERT_OK(sigaction(SIGPIPE, &sa, NULL));

	/* The kernel sends SIGPIPE as if the writer had sent it to itself. */
	ASSERT_OK(pipe(p));
	close(p[0]);
	CHECK_ERRNO(write(p[1], "x", 1), -1, EPIPE);
	CHECK_EQ(got_sig, SIGPIPE);
	CHECK_EQ(got_code, SI_USER);
	CHECK_EQ(got_pid, getpid());
	CHECK_EQ(got_uid, getuid());
	CHECK_EQ(got_errno, 0);
	/* A zero-length write to a broken pipe is 0, and raises nothing. */
	got_sig = 0;
	CHECK_EQ(write(p[1], "", 0), 0);
	CHECK_EQ(got_sig, 0);
	/* writev too is EPIPE with SIGPIPE. */
	struct iovec iov[2] = {{"ab", 2}, {"cd", 2}};
	CHECK_ERRNO(writev(p[1], iov, 2), -1, EPIPE);
	CHECK_EQ(got_sig, SIGPIPE);

	/* SIGPIPE blocked: EPIPE, and the signal waits, pending, once. */
	sigset_t set, old, pend;
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	ASSERT_OK(sigprocmask(SIG_BLOCK, &set, &old));
	got_sig = 0;
	CHECK_ERRNO(write(p[1], "x", 1), -1, EPIPE);
	CHECK_ERRNO(write(p[1], "x", 1), -1, EPIPE);
	CHECK_OK(sigpending(&pend));
	CHECK_EQ(sigismember(&pend, SIGPIPE), 1);
	CHECK_EQ(got_sig, 0);
	siginfo_t si;
	struct timespec zero = {0, 0};
	CHECK_EQ(sigtimedwait(&set, &si, &zero), SIGPIPE);
	CHECK_EQ(si.si_code, SI_USER);
	CHECK_ERRNO(sigtimedwait(&set, &si, &zero), -1, EAGAIN);
	ASSERT_OK(sigprocmask(SIG_SETMASK, &old, NULL));
	close(p[1]);

	/* A writer blocked on a full pipe when the last reader goes: the
	 * write returns what it had written, and SIGPIPE is sent. */
	ASSERT_OK(pipe(p));
	pid_t pid = test_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		close(p[1]);
		/* Wait until the parent's write has filled the pipe. */
		int avail = 0;
		for (int i = 0; i < 5000 && avail < 65536; i++) {
			ioctl(p[0], FIONREAD, &avail);
			nap_ms(1);
		}
		CHECK_EQ(avail, 65536);
		nap_ms(20);
		child_exit(); /* closes the only read end */
	}
	close(p[0]);
	got_sig = 0;
	CHECK_EQ(write(p[1], big, sizeof(big)), 65536);
	CHECK_EQ(got_sig, SIGPIPE);
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	/* The next write has nothing written: EPIPE. */
	CHECK_ERRNO(write(p[1], big, sizeof(big)), -1, EPIPE);
	close(p[1]);

	/* EOF comes only when every write end is closed: a dup, then a
	 * child's copy. */
	ASSERT_OK(pipe2(p, O_NONBLOCK));
	int d, gate[2];
	ASSERT_OK(d = dup(p[1]));
	ASSERT_OK(pipe(gate));
	pid = test_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		close(p[0]);
		close(d);
		close(gate[1]);
		/* Write only once the parent has looked (however loaded). */
		CHECK_EQ(read(gate[0], &c, 1), 0);
		CHECK_EQ(write(p[1], "late", 4), 4);
		child_exit();
	}
	close(gate[0]);
	close(p[1]);
	CHECK_ERRNO(read(p[0], &c, 1), -1, EAGAIN);
	close(d);
	CHECK_ERRNO(read(p[0], &c, 1), -1, EAGAIN); /* the child still has one */
	close(gate[1]);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	char buf[8];
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 4);
	CHECK_MEMEQ(buf, "late", 4);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 0);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 0);
	close(p[0]);

	/* A blocking reader wakes with 0 when the last writer exits. */
	ASSERT_OK(pipe(p));
	long long t0 = now_ns();
	pid = test_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		close(p[0]);
		nap_ms(30);
		child_exit();
	}
	close(p[1]);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 0);
	CHECK_GE(now_ns() - t0, 20 * 1000000LL);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	close(p[0]);

	/* A zero-length read returns 0 at once, even on an empty pipe with a
	 * writer (which would otherwise block). */
	ASSERT_OK(pipe(p));
	CHECK_EQ(read(p[0], buf, 0), 0);
	CHECK_EQ(write(p[1], "q", 1), 1);
	CHECK_EQ(read(p[0], buf, 0), 0);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 1);
	close(p[0]);
	close(p[1]);
	return test_done();
}
