//go:build ignore

/*
 * Signals interrupting blocked socket calls: without SA_RESTART, recv,
 * send, accept and connect fail with EINTR; with SA_RESTART they are
 * restarted and complete; with a socket timeout (SO_RCVTIMEO) they fail
 * with EINTR even under SA_RESTART, as Linux's sock_intr_errno does; a
 * MSG_WAITALL receive interrupted after some data returns that data.
 * Children that must act after an interruption wait for the handler to
 * write to a pipe, so that no step depends on timing.
 */
#include "testutil.h"
#include <stddef.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

static volatile sig_atomic_t alarms;
/* notify_fd, if >= 0, gets a byte from the handler: a child waits on it
 * to act only once the parent's call has been interrupted. */
static int notify_fd = -1;
static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
	if (notify_fd >= 0 && write(notify_fd, "s", 1) < 0) {
	}
}

static void handle(int restart)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) != 0)
		FATAL("sigaction: errno %d", errno);
}

/* arm sends SIGALRM to this process after ms milliseconds. */
static void arm(int ms)
{
	struct itimerval it = {{0, 0}, {ms / 1000, (ms % 1000) * 1000}};
	if (setitimer(ITIMER_REAL, &it, NULL) != 0)
		FATAL("setitimer: errno %d", errno);
}

int main(void)
{
	int sv[2], status;
	char buf[64];
	static char big[1 << 20];

	ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	/* No SA_RESTART: EINTR. */
	handle(0);
	alarms = 0;
	arm(50);
	CHECK_ERRNO(recv(sv[0], buf, sizeof(buf), 0), -1, EINTR);
	CHECK_EQ(alarms, 1);
	while (send(sv[0], big, sizeof(big), MSG_DONTWAIT) > 0) {
	}
	arm(50);
	CHECK_ERRNO(send(sv[0], big, sizeof(big), 0), -1, EINTR);
	/* Draining the peer so the next part starts empty. */
	while (recv(sv[1], big, sizeof(big), MSG_DONTWAIT) > 0) {
	}

	/* SA_RESTART: the recv is restarted and gets the child's data,
	 * which the child sends once the signal was handled. */
	int np[2];
	ASSERT_OK(pipe(np));
	notify_fd = np[1];
	handle(1);
	alarms = 0;
	pid_t pid = test_fork();
	if (pid == 0) {
		CHECK_EQ(read(np[0], buf, 1), 1);
		CHECK_EQ(send(sv[1], "late", 4, 0), 4);
		child_exit();
	}
	arm(50);
	CHECK_EQ(recv(sv[0], buf, sizeof(buf), 0), 4);
	CHECK_EQ(alarms, 1);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	notify_fd = -1;

	/* With SO_RCVTIMEO, EINTR even under SA_RESTART. */
	struct timeval tv = {5, 0};
	CHECK_EQ(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	alarms = 0;
	arm(50);
	long long t0 = now_ns();
	CHECK_ERRNO(recv(sv[0], buf, sizeof(buf), 0), -1, EINTR);
	CHECK_LT(now_ns() - t0, 4000000000LL);
	CHECK_EQ(alarms, 1);
	tv.tv_sec = 0;
	CHECK_EQ(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);

	/* MSG_WAITALL interrupted after some data returns the data. */
	handle(0);
	CHECK_EQ(send(sv[1], "part", 4, 0), 4);
	arm(50);
	CHECK_EQ(recv(sv[0], buf, sizeof(buf), MSG_WAITALL), 4);
	close(sv[0]);
	close(sv[1]);

	/* accept: EINTR without SA_RESTART; restarted with it. */
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int k = snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "moat-intr-%d", getpid());
	socklen_t alen = offsetof(struct sockaddr_un, sun_path) + 1 + k;
	ASSERT_OK(bind(l, (struct sockaddr *)&a, alen));
	ASSERT_OK(listen(l, 0));
	arm(50);
	CHECK_ERRNO(accept(l, NULL, NULL), -1, EINTR);
	handle(1);
	notify_fd = np[1];
	pid = test_fork();
	if (pid == 0) {
		CHECK_EQ(read(np[0], buf, 1), 1);
		int c = socket(AF_UNIX, SOCK_STREAM, 0);
		CHECK_EQ(connect(c, (struct sockaddr *)&a, alen), 0);
		child_exit();
	}
	arm(50);
	int s = accept(l, NULL, NULL);
	CHECK_GE(s, 0);
	close(s);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	notify_fd = -1;
	/* connect waiting for backlog room: EINTR without SA_RESTART. */
	int c1 = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_EQ(connect(c1, (struct sockaddr *)&a, alen), 0);
	handle(0);
	int c2 = socket(AF_UNIX, SOCK_STREAM, 0);
	arm(50);
	CHECK_ERRNO(connect(c2, (struct sockaddr *)&a, alen), -1, EINTR);
	close(c1);
	close(c2);
	close(l);
	return test_done();
}
