//go:build ignore

/*
 * pty_ctty: controlling terminals and job control (credentials(7),
 * tty_ioctl(4)): a session leader acquires a terminal by opening it or
 * with TIOCSCTTY, /dev/tty names it, TIOCNOTTY gives it up; the
 * foreground process group (TIOCSPGRP, TIOCGPGRP, TIOCGSID) gets the
 * signals of ^C, ^\, ^Z, TIOCSIG and window size changes; background
 * groups stop with SIGTTIN when they read and SIGTTOU when they write
 * under TOSTOP or change settings, or get EIO when they ignore SIGTTIN
 * or are orphaned; closing the master hangs up the session.
 *
 * Each case runs in a child that makes itself a session leader.
 */
#include "testutil.h"
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>

static int m;
static char name[64];

static int master_read(char *buf, int want)
{
	int got = 0;
	long long end = now_ns() + 2000000000LL;
	while (got < want && now_ns() < end) {
		struct pollfd p = { m, POLLIN, 0 };
		if (poll(&p, 1, 50) <= 0)
			continue;
		int n = read(m, buf + got, want - got);
		if (n <= 0)
			break;
		got += n;
	}
	return got;
}

static void drain_master(void)
{
	char b[4096];
	usleep(20000);
	while (read(m, b, sizeof(b)) > 0)
		;
}

/* Opens the slave as this session's controlling terminal. */
static int become_leader_with_tty(void)
{
	if (setsid() < 0)
		FATAL("setsid: %s", strerror(errno));
	int s = open(name, O_RDWR);
	if (s < 0)
		FATAL("open %s: %s", name, strerror(errno));
	return s;
}

/* Forks a child in a new process group; it runs fn and exits with its
 * result. */
static pid_t spawn_group(int (*fn)(int), int arg)
{
	pid_t pid = test_fork();
	if (pid == 0) {
		setpgid(0, 0);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		_exit(fn(arg));
	}
	setpgid(pid, pid);
	return pid;
}

static int pause_forever(int unused)
{
	(void)unused;
	for (;;)
		pause();
	return 0;
}

static void wait_stopped(pid_t pid, int sig)
{
	int st;
	CHECK_EQ(waitpid(pid, &st, WUNTRACED), pid);
	CHECK(WIFSTOPPED(st));
	if (WIFSTOPPED(st))
		CHECK_EQ(WSTOPSIG(st), sig);
}

static void wait_signaled(pid_t pid, int sig)
{
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK(WIFSIGNALED(st));
	if (WIFSIGNALED(st))
		CHECK_EQ(WTERMSIG(st), sig);
}

static void kill_reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* ---- Case 1: acquiring by open, /dev/tty ---- */
static void case_open(void)
{
	CHECK_OK(setsid());
	CHECK_ERRNO(open("/dev/tty", O_RDWR), -1, ENXIO); /* none yet */
	int s = open(name, O_RDWR);
	ASSERT_OK(s);
	CHECK_EQ(tcgetsid(s), getpid());
	CHECK_EQ(tcgetpgrp(s), getpid());
	int v = 0;
	CHECK_EQ(ioctl(m, TIOCGSID, &v), 0);
	CHECK_EQ(v, getpid());
	CHECK_EQ(ioctl(m, TIOCGPGRP, &v), 0);
	CHECK_EQ(v, getpid());
	/* Already ours: TIOCSCTTY succeeds. */
	CHECK_EQ(ioctl(s, TIOCSCTTY, 0), 0);

	int t = open("/dev/tty", O_RDWR);
	CHECK_GE(t, 0);
	struct stat st;
	CHECK_OK(fstat(t, &st));
	CHECK_EQ(st.st_rdev, makedev(5, 0));
	CHECK_STREQ(ttyname(t), "/dev/tty");
	CHECK_EQ(tcgetpgrp(t), getpid());
	drain_master();
	CHECK_EQ(write(t, "via tty\n", 8), 8);
	char buf[64];
	CHECK_EQ(master_read(buf, 9), 9);
	CHECK_MEMEQ(buf, "via tty\r\n", 9);
	close(t);

	/* A second terminal does not replace the first. */
	int m2 = posix_openpt(O_RDWR | O_NOCTTY);
	unlockpt(m2);
	int s2 = open(ptsname(m2), O_RDWR);
	CHECK_GE(s2, 0);
	CHECK_EQ(tcgetsid(s2), -1);
	CHECK_ERRNO(ioctl(s2, TIOCSCTTY, 0), -1, EPERM);
	CHECK_EQ(tcgetsid(s), getpid());
	close(s2);
	close(m2);
}

/* ---- Case 2: O_NOCTTY, TIOCSCTTY, TIOCNOTTY ---- */
static void case_sctty(void)
{
	CHECK_OK(setsid());
	int s = open(name, O_RDWR | O_NOCTTY);
	ASSERT_OK(s);
	CHECK_EQ(tcgetsid(s), -1);
	CHECK_EQ(errno, ENOTTY);
	CHECK_ERRNO(open("/dev/tty", O_RDWR), -1, ENXIO);
	CHECK_EQ(ioctl(s, TIOCSCTTY, 0), 0);
	CHECK_EQ(tcgetsid(s), getpid());

	/* A member of the session that is not its leader may not take a
	 * terminal, and gives up only its own with TIOCNOTTY. */
	pid_t pid = test_fork();
	if (pid == 0) {
		CHECK_ERRNO(ioctl(s, TIOCSCTTY, 0), -1, EPERM);
		CHECK_EQ(ioctl(s, TIOCNOTTY), 0);
		CHECK_ERRNO(open("/dev/tty", O_RDWR), -1, ENXIO);
		CHECK_ERRNO(ioctl(s, TIOCGPGRP, &pid), -1, ENOTTY);
		child_exit();
	}
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	int t = open("/dev/tty", O_RDWR);
	CHECK_GE(t, 0);
	close(t);

	/* The leader gives it up: the session loses it, and the
	 * foreground group (ours) gets SIGHUP. */
	signal(SIGHUP, SIG_IGN);
	CHECK_EQ(ioctl(s, TIOCNOTTY), 0);
	CHECK_ERRNO(open("/dev/tty", O_RDWR), -1, ENXIO);
	CHECK_EQ(tcgetsid(s), -1);
	CHECK_ERRNO(ioctl(s, TIOCNOTTY), -1, ENOTTY);
	int v;
	CHECK_ERRNO(ioctl(m, TIOCGSID, &v), -1, ENOTTY);
	signal(SIGHUP, SIG_DFL);

	/* TIOCSCTTY through the master takes the slave. */
	CHECK_EQ(ioctl(m, TIOCSCTTY, 0), 0);
	CHECK_EQ(tcgetsid(s), getpid());
}

/* A terminal another session controls cannot be taken. */
static void case_steal(void)
{
	int s = become_leader_with_tty();
	int p[2];
	ASSERT_OK(pipe(p));
	pid_t pid = test_fork();
	if (pid == 0) {
		CHECK_OK(setsid());
		CHECK_ERRNO(ioctl(s, TIOCSCTTY, 0), -1, EPERM);
		/* Opening it does not take it either. */
		int s2 = open(name, O_RDWR);
		CHECK_GE(s2, 0);
		CHECK_EQ(tcgetsid(s2), -1);
		child_exit();
	}
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	CHECK_EQ(tcgetsid(s), getpid());
}

/* ---- Case 3: the foreground group and the keys that signal it ---- */
static void case_signals(void)
{
	int s = become_leader_with_tty();
	/* A shell blocks SIGTTOU to move the foreground. */
	sigset_t ttou;
	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, NULL);

	/* TIOCSPGRP errors. */
	pid_t other = getpgid(getppid());
	CHECK_ERRNO(tcsetpgrp(s, other), -1, EPERM);
	CHECK_ERRNO(tcsetpgrp(s, -1), -1, EINVAL);
	pid_t dead = test_fork();
	if (dead == 0)
		_exit(0);
	waitpid(dead, NULL, 0);
	CHECK_ERRNO(tcsetpgrp(s, dead), -1, ESRCH);

	struct {
		const char *key;
		int sig;
	} keys[] = { { "\x03", SIGINT }, { "\x1c", SIGQUIT }, { "\x1a", SIGTSTP } };
	for (int i = 0; i < 3; i++) {
		pid_t c = spawn_group(pause_forever, 0);
		CHECK_EQ(tcsetpgrp(s, c), 0);
		CHECK_EQ(tcgetpgrp(s), c);
		drain_master();
		CHECK_EQ(write(m, keys[i].key, 1), 1);
		if (keys[i].sig == SIGTSTP) {
			wait_stopped(c, SIGTSTP);
			kill_reap(c);
		} else {
			wait_signaled(c, keys[i].sig);
		}
		/* The key echoes as ^X. */
		char buf[8];
		CHECK_EQ(master_read(buf, 2), 2);
		CHECK_EQ(buf[0], '^');
		CHECK_EQ(buf[1], keys[i].key[0] ^ 0x40);
		CHECK_EQ(tcsetpgrp(s, getpgrp()), 0);
	}
	/* TIOCSIG on the master signals the foreground group. */
	pid_t c = spawn_group(pause_forever, 0);
	CHECK_EQ(tcsetpgrp(s, c), 0);
	CHECK_EQ(ioctl(m, TIOCSIG, SIGINT), 0);
	wait_signaled(c, SIGINT);
	CHECK_EQ(tcsetpgrp(s, getpgrp()), 0);
}

/* SIGWINCH on a change of window size, not on a same-size set. */
static void on_winch(int sig)
{
	(void)sig;
}

static int winch_child(int fd)
{
	/* A handler, so that SIGWINCH is not discarded as ignored. */
	signal(SIGWINCH, on_winch);
	sigset_t w;
	sigemptyset(&w);
	sigaddset(&w, SIGWINCH);
	sigprocmask(SIG_BLOCK, &w, NULL);
	char c = 'r';
	write(fd, &c, 1);
	struct timespec ts = { 2, 0 };
	if (sigtimedwait(&w, NULL, &ts) != SIGWINCH)
		return 1;
	write(fd, &c, 1);
	usleep(200000);
	struct timespec zero = { 0, 0 };
	if (sigtimedwait(&w, NULL, &zero) != -1 || errno != EAGAIN)
		return 2;
	return 0;
}

static void case_winch(void)
{
	int s = become_leader_with_tty();
	sigset_t ttou;
	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, NULL);
	int p[2];
	ASSERT_OK(pipe(p));
	struct winsize ws;
	CHECK_EQ(ioctl(s, TIOCGWINSZ, &ws), 0);
	ws.ws_row += 3;
	pid_t c = spawn_group(winch_child, p[1]);
	close(p[1]);
	CHECK_EQ(tcsetpgrp(s, c), 0);
	char ch;
	CHECK_EQ(read(p[0], &ch, 1), 1);
	CHECK_EQ(ioctl(m, TIOCSWINSZ, &ws), 0);
	if (read(p[0], &ch, 1) == 1)
		CHECK_EQ(ioctl(m, TIOCSWINSZ, &ws), 0);
	int st;
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK_CHILD_OK(st);
}

/* ---- Case 4: background groups ---- */
static int bg_read(int s)
{
	char buf[16];
	int n = read(s, buf, sizeof(buf));
	if (n != 3 || memcmp(buf, "in\n", 3) != 0)
		return 1;
	return 0;
}

static volatile sig_atomic_t got_ttin;
static void on_ttin(int sig)
{
	(void)sig;
	got_ttin++;
}

static int bg_read_errors(int s)
{
	char buf[16];
	/* SIGTTIN ignored: EIO. */
	signal(SIGTTIN, SIG_IGN);
	if (read(s, buf, sizeof(buf)) != -1 || errno != EIO)
		return 1;
	/* Blocked: EIO too. */
	signal(SIGTTIN, SIG_DFL);
	sigset_t b;
	sigemptyset(&b);
	sigaddset(&b, SIGTTIN);
	sigprocmask(SIG_BLOCK, &b, NULL);
	if (read(s, buf, sizeof(buf)) != -1 || errno != EIO)
		return 2;
	sigprocmask(SIG_UNBLOCK, &b, NULL);
	/* Caught without SA_RESTART: the handler runs, read fails EINTR. */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_ttin;
	sigaction(SIGTTIN, &sa, NULL);
	if (read(s, buf, sizeof(buf)) != -1 || errno != EINTR)
		return 3;
	if (got_ttin != 1)
		return 4;
	return 0;
}

static int bg_write(int s)
{
	return write(s, "w", 1) == 1 ? 0 : 1;
}

static int bg_setattr(int s)
{
	struct termios t;
	tcgetattr(s, &t);
	return tcsetattr(s, TCSANOW, &t) == 0 ? 0 : 1;
}

static int bg_write_ttou_ignored(int s)
{
	signal(SIGTTOU, SIG_IGN);
	if (write(s, "i", 1) != 1)
		return 1;
	struct termios t;
	tcgetattr(s, &t);
	if (tcsetattr(s, TCSANOW, &t) != 0)
		return 2;
	return 0;
}

static void case_background(void)
{
	int s = become_leader_with_tty();
	sigset_t ttou;
	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, NULL);
	int st;

	/* A background read stops the group with SIGTTIN; once in the
	 * foreground and continued, the read goes on. */
	pid_t c = spawn_group(bg_read, s);
	wait_stopped(c, SIGTTIN);
	CHECK_EQ(tcsetpgrp(s, c), 0);
	drain_master();
	CHECK_EQ(write(m, "in\n", 3), 3);
	usleep(20000);
	CHECK_EQ(kill(c, SIGCONT), 0);
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK_CHILD_OK(st);
	CHECK_EQ(tcsetpgrp(s, getpgrp()), 0);

	c = spawn_group(bg_read_errors, s);
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK_CHILD_OK(st);

	/* Background writes go out unless TOSTOP. */
	drain_master();
	c = spawn_group(bg_write, s);
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK_CHILD_OK(st);
	char buf[8];
	CHECK_EQ(master_read(buf, 1), 1);
	struct termios t;
	CHECK_EQ(tcgetattr(s, &t), 0);
	t.c_lflag |= TOSTOP;
	CHECK_EQ(tcsetattr(s, TCSANOW, &t), 0);
	c = spawn_group(bg_write, s);
	wait_stopped(c, SIGTTOU);
	kill_reap(c);
	c = spawn_group(bg_write_ttou_ignored, s);
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK_CHILD_OK(st);
	t.c_lflag &= ~TOSTOP;
	CHECK_EQ(tcsetattr(s, TCSANOW, &t), 0);

	/* Changing settings from the background stops with SIGTTOU. */
	c = spawn_group(bg_setattr, s);
	wait_stopped(c, SIGTTOU);
	kill_reap(c);

	/* Our own group is orphaned (our parent is in another session):
	 * in the background, a read fails with EIO instead of stopping. */
	c = spawn_group(pause_forever, 0);
	CHECK_EQ(tcsetpgrp(s, c), 0);
	CHECK_ERRNO(read(s, buf, sizeof(buf)), -1, EIO);
	/* A background tcsetpgrp without SIGTTOU blocked in an orphaned
	 * group fails with ENOTTY. */
	sigprocmask(SIG_UNBLOCK, &ttou, NULL);
	CHECK_ERRNO(tcsetpgrp(s, getpgrp()), -1, ENOTTY);
	sigprocmask(SIG_BLOCK, &ttou, NULL);
	CHECK_EQ(tcsetpgrp(s, getpgrp()), 0);
	kill_reap(c);
}

/* ---- Case 5: hangup when the master closes ---- */
static volatile sig_atomic_t got_hup, got_cont;
static void on_hup(int sig)
{
	(void)sig;
	got_hup++;
}

static void on_cont(int sig)
{
	(void)sig;
	got_cont++;
}

static void case_hangup(int pm, int ready)
{
	int s = become_leader_with_tty();
	close(pm);
	signal(SIGHUP, on_hup);
	signal(SIGCONT, on_cont);
	char c = 'r';
	write(ready, &c, 1);
	long long end = now_ns() + 2000000000LL;
	while (!got_hup && now_ns() < end)
		usleep(1000);
	CHECK_EQ(got_hup, 1);
	CHECK_EQ(got_cont, 1);
	char buf[8];
	CHECK_EQ(read(s, buf, sizeof(buf)), 0);
	CHECK_ERRNO(write(s, "x", 1), -1, EIO);
	CHECK_ERRNO(open("/dev/tty", O_RDWR), -1, ENXIO);
}

static void run(const char *what, void (*fn)(void))
{
	pid_t pid = test_fork();
	if (pid == 0) {
		fn();
		child_exit();
	}
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		FAIL("case %s: status 0x%x", what, st);
	drain_master();
}

static void all_cases(void)
{
	m = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
	ASSERT_OK(m);
	ASSERT_EQ(unlockpt(m), 0);
	snprintf(name, sizeof(name), "%s", ptsname(m));

	/* Not our controlling terminal. */
	int s = open(name, O_RDWR | O_NOCTTY);
	ASSERT_OK(s);
	int v = getpgrp();
	CHECK_ERRNO(ioctl(s, TIOCSPGRP, &v), -1, ENOTTY);
	CHECK_ERRNO(ioctl(s, TIOCSCTTY, 0), -1, EPERM); /* not a leader */

	run("open", case_open);
	/* The leader is gone: the terminal controls no session. */
	CHECK_ERRNO(ioctl(m, TIOCGSID, &v), -1, ENOTTY);
	run("sctty", case_sctty);
	run("steal", case_steal);
	run("signals", case_signals);
	run("winch", case_winch);
	run("background", case_background);

	/* Hangup, on a pair of its own. */
	int pm = posix_openpt(O_RDWR | O_NOCTTY);
	ASSERT_OK(pm);
	unlockpt(pm);
	snprintf(name, sizeof(name), "%s", ptsname(pm));
	int p[2];
	ASSERT_OK(pipe(p));
	pid_t pid = test_fork();
	if (pid == 0) {
		close(m);
		case_hangup(pm, p[1]);
		child_exit();
	}
	char c;
	CHECK_EQ(read(p[0], &c, 1), 1);
	close(pm);
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);

	close(s);
	close(m);
}

int main(void)
{
	/* The cases run in a child, which leads no session (a sandbox's
	 * init leads one) and has no controlling terminal. */
	pid_t pid = test_fork();
	if (pid == 0) {
		if (getsid(0) == getpid())
			FATAL("child leads a session");
		if (ioctl(open("/dev/null", O_RDONLY), TIOCNOTTY) == 0)
			FATAL("TIOCNOTTY on /dev/null");
		int t = open("/dev/tty", O_RDWR);
		if (t >= 0) {
			/* Started from a terminal: leave it. */
			ioctl(t, TIOCNOTTY);
			close(t);
		}
		all_cases();
		child_exit();
	}
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	return test_done();
}
