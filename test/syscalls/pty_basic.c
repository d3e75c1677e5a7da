//go:build ignore

/*
 * pty_basic: pseudoterminal pairs (pty(7)): /dev/ptmx, grantpt, unlockpt,
 * ptsname, TIOCGPTN, TIOCSPTLCK, TIOCGPTPEER, the slave's node in
 * /dev/pts, default termios, data both ways, window size, queue sizes,
 * the requests a pty refuses, and what each side sees when the other
 * closes.
 */
#include "testutil.h"
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <linux/kd.h>

/* Reads from fd (waiting up to 2s in all) until want bytes came. */
static int read_all(int fd, char *buf, int want)
{
	int got = 0;
	long long end = now_ns() + 2000000000LL;
	while (got < want && now_ns() < end) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 100) <= 0 || !(p.revents & POLLIN))
			continue;
		int n = read(fd, buf + got, want - got);
		if (n <= 0)
			break;
		got += n;
	}
	return got;
}

static int revents(int fd)
{
	struct pollfd p = { fd, POLLIN | POLLOUT | POLLPRI, 0 };
	if (poll(&p, 1, 0) < 0)
		return -1;
	return p.revents;
}

/* Waits up to 2s for poll events on fd to include (or, if !set, to
 * exclude) ev. */
static int wait_events(int fd, int ev, int set)
{
	long long end = now_ns() + 2000000000LL;
	do {
		int r = revents(fd);
		if (set ? (r & ev) == ev : (r & ev) == 0)
			return r;
		usleep(1000);
	} while (now_ns() < end);
	return revents(fd);
}

int main(void)
{
	char buf[256], name[64];
	struct stat st, st2;
	int n, v;

	/* posix_openpt opens /dev/ptmx: a char device (5, 2). */
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	ASSERT_OK(m);
	CHECK_OK(fstat(m, &st));
	CHECK(S_ISCHR(st.st_mode));
	CHECK_EQ(major(st.st_rdev), 5);
	CHECK_EQ(minor(st.st_rdev), 2);
	CHECK_EQ(isatty(m), 1);

	/* TIOCGPTN names the slave; ptsname agrees. */
	unsigned int ptn = 12345;
	CHECK_EQ(ioctl(m, TIOCGPTN, &ptn), 0);
	snprintf(name, sizeof(name), "/dev/pts/%u", ptn);
	CHECK_STREQ(ptsname(m), name);

	/* The slave is locked until unlockpt. */
	CHECK_EQ(ioctl(m, TIOCGPTLCK, &v), 0);
	CHECK_EQ(v, 1);
	CHECK_ERRNO(open(name, O_RDWR | O_NOCTTY), -1, EIO);
	CHECK_ERRNO(ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY), -1, EIO);
	CHECK_EQ(grantpt(m), 0);
	CHECK_EQ(unlockpt(m), 0);
	CHECK_EQ(ioctl(m, TIOCGPTLCK, &v), 0);
	CHECK_EQ(v, 0);

	/* The slave node: char device (136, N) owned by the caller. */
	CHECK_OK(stat(name, &st));
	CHECK(S_ISCHR(st.st_mode));
	CHECK_EQ(major(st.st_rdev), 136);
	CHECK_EQ(minor(st.st_rdev), ptn);
	CHECK_EQ(st.st_uid, geteuid());
	/* /dev/pts lists it and ptmx. */
	DIR *d = opendir("/dev/pts");
	CHECK(d != NULL);
	int seen_slave = 0, seen_ptmx = 0;
	if (d) {
		struct dirent *de;
		char num[16];
		snprintf(num, sizeof(num), "%u", ptn);
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, num) == 0) {
				seen_slave = 1;
				CHECK_EQ(de->d_type, DT_CHR);
			}
			if (strcmp(de->d_name, "ptmx") == 0)
				seen_ptmx = 1;
		}
		closedir(d);
	}
	CHECK(seen_slave);
	CHECK(seen_ptmx);
	CHECK_OK(stat("/dev/pts/ptmx", &st2));
	CHECK(S_ISCHR(st2.st_mode));
	CHECK_EQ(st2.st_rdev, makedev(5, 2));
	CHECK_ERRNO(stat("/dev/pts/999999", &st2), -1, ENOENT);
	CHECK_ERRNO(stat("/dev/pts/01", &st2), -1, ENOENT);

	int s = open(name, O_RDWR | O_NOCTTY);
	ASSERT_OK(s);
	CHECK_OK(fstat(s, &st2));
	CHECK_EQ(st2.st_dev, st.st_dev);
	CHECK_EQ(st2.st_ino, st.st_ino);
	CHECK_EQ(st2.st_rdev, st.st_rdev);
	CHECK_EQ(isatty(s), 1);
	CHECK_STREQ(ttyname(s), name);
	/* Requests only the master takes. */
	CHECK_ERRNO(ioctl(s, TIOCGPTN, &ptn), -1, ENOTTY);
	CHECK_ERRNO(ioctl(s, TIOCSPTLCK, &v), -1, ENOTTY);
	CHECK_ERRNO(ioctl(s, TIOCGPTPEER, O_RDWR), -1, EIO);

	/* Default settings: canonical mode with echo and signals, CR->NL in,
	 * NL->CRNL out, 38400 8N1, Linux's control characters. The master
	 * reports the slave's. */
	struct termios t;
	CHECK_EQ(tcgetattr(s, &t), 0);
	CHECK_EQ(t.c_iflag, ICRNL | IXON);
	CHECK_EQ(t.c_oflag, OPOST | ONLCR);
	CHECK_EQ(t.c_cflag, B38400 | CS8 | CREAD);
	CHECK_EQ(t.c_lflag, ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN);
	CHECK_EQ(t.c_line, 0);
	CHECK_EQ(t.c_cc[VINTR], 3);
	CHECK_EQ(t.c_cc[VQUIT], 0x1c);
	CHECK_EQ(t.c_cc[VERASE], 0x7f);
	CHECK_EQ(t.c_cc[VKILL], 0x15);
	CHECK_EQ(t.c_cc[VEOF], 4);
	CHECK_EQ(t.c_cc[VTIME], 0);
	CHECK_EQ(t.c_cc[VMIN], 1);
	CHECK_EQ(t.c_cc[VSTART], 0x11);
	CHECK_EQ(t.c_cc[VSTOP], 0x13);
	CHECK_EQ(t.c_cc[VSUSP], 0x1a);
	CHECK_EQ(t.c_cc[VEOL], 0);
	CHECK_EQ(t.c_cc[VREPRINT], 0x12);
	CHECK_EQ(t.c_cc[VDISCARD], 0x0f);
	CHECK_EQ(t.c_cc[VWERASE], 0x17);
	CHECK_EQ(t.c_cc[VLNEXT], 0x16);
	CHECK_EQ(t.c_cc[VEOL2], 0);
	CHECK_EQ(cfgetospeed(&t), B38400);

	/* struct termios2 carries the speeds; BOTHER sets any speed, and an
	 * input speed of 0 follows the output speed. c_line is kept. */
	struct {
		unsigned int iflag, oflag, cflag, lflag;
		unsigned char line, cc[19];
		unsigned int ispeed, ospeed;
	} t2;
	const unsigned long tcgets2 = 0x802c542a, tcsets2 = 0x402c542b;
	const unsigned int BOTHER = 010000;
	CHECK_EQ(ioctl(s, tcgets2, &t2), 0);
	CHECK_EQ(t2.ispeed, 38400);
	CHECK_EQ(t2.ospeed, 38400);
	CHECK_EQ(t2.cflag, t.c_cflag);
	t2.cflag = (t2.cflag & ~CBAUD) | BOTHER;
	t2.ospeed = 12345;
	t2.ispeed = 777;
	t2.line = 3;
	CHECK_EQ(ioctl(s, tcsets2, &t2), 0);
	memset(&t2, 0, sizeof(t2));
	CHECK_EQ(ioctl(m, tcgets2, &t2), 0);
	CHECK_EQ(t2.ospeed, 12345);
	CHECK_EQ(t2.ispeed, 12345);
	CHECK_EQ(t2.cflag & CBAUD, BOTHER);
	CHECK_EQ(t2.line, 3);
	v = -1;
	CHECK_EQ(ioctl(s, TIOCGETD, &v), 0);
	CHECK_EQ(v, N_TTY);
	CHECK_EQ(tcsetattr(s, TCSANOW, &t), 0);
	CHECK_EQ(tcgetattr(s, &t), 0);
	CHECK_EQ(cfgetospeed(&t), B38400);
	CHECK_EQ(ioctl(s, tcgets2, &t2), 0);
	CHECK_EQ(t2.ospeed, 38400);
	CHECK_EQ(t2.line, 0);

	struct termios tm;
	CHECK_EQ(tcgetattr(m, &tm), 0);
	CHECK_EQ(tm.c_iflag, t.c_iflag);
	CHECK_EQ(tm.c_oflag, t.c_oflag);
	CHECK_EQ(tm.c_cflag, t.c_cflag);
	CHECK_EQ(tm.c_lflag, t.c_lflag);
	CHECK_MEMEQ(tm.c_cc, t.c_cc, 19);

	/* Input: CR becomes NL, the slave reads a line, the master reads the
	 * echo with NL as CR NL. */
	CHECK_EQ(write(m, "hi\r", 3), 3);
	CHECK_EQ(read_all(s, buf, 3), 3);
	CHECK_MEMEQ(buf, "hi\n", 3);
	CHECK_EQ(read_all(m, buf, 4), 4);
	CHECK_MEMEQ(buf, "hi\r\n", 4);
	/* Output: NL becomes CR NL. */
	CHECK_EQ(write(s, "a\nb", 3), 3);
	CHECK_EQ(wait_events(m, POLLIN, 1) & (POLLIN | POLLOUT | POLLHUP), POLLIN | POLLOUT);
	n = -1;
	CHECK_EQ(ioctl(m, FIONREAD, &n), 0);
	CHECK_EQ(n, 4);
	n = -1;
	CHECK_EQ(ioctl(s, TIOCOUTQ, &n), 0);
	CHECK_EQ(n, 0);
	CHECK_EQ(read_all(m, buf, 4), 4);
	CHECK_MEMEQ(buf, "a\r\nb", 4);

	/* A partial line is not readable in canonical mode. */
	CHECK_EQ(write(m, "xy", 2), 2);
	usleep(20000);
	n = -1;
	CHECK_EQ(ioctl(s, FIONREAD, &n), 0);
	CHECK_EQ(n, 0);
	CHECK_EQ(revents(s) & POLLIN, 0);
	CHECK_EQ(write(m, "\n", 1), 1);
	wait_events(s, POLLIN, 1);
	CHECK_EQ(ioctl(s, FIONREAD, &n), 0);
	CHECK_EQ(n, 3);
	CHECK_EQ(read(s, buf, sizeof(buf)), 3);
	CHECK_EQ(read_all(m, buf, 4), 4); /* echo "xy\r\n" */

	/* Window size: zero at first; set on either side, seen on both. */
	struct winsize ws = { 1, 1, 1, 1 }, ws2;
	CHECK_EQ(ioctl(s, TIOCGWINSZ, &ws), 0);
	CHECK_EQ(ws.ws_row, 0);
	CHECK_EQ(ws.ws_col, 0);
	ws.ws_row = 40;
	ws.ws_col = 120;
	ws.ws_xpixel = 7;
	ws.ws_ypixel = 9;
	CHECK_EQ(ioctl(m, TIOCSWINSZ, &ws), 0);
	CHECK_EQ(ioctl(s, TIOCGWINSZ, &ws2), 0);
	CHECK_MEMEQ(&ws2, &ws, sizeof(ws));
	ws.ws_row = 24;
	CHECK_EQ(ioctl(s, TIOCSWINSZ, &ws), 0);
	CHECK_EQ(ioctl(m, TIOCGWINSZ, &ws2), 0);
	CHECK_EQ(ws2.ws_row, 24);

	/* Line discipline number: N_TTY only. */
	v = -1;
	CHECK_EQ(ioctl(s, TIOCGETD, &v), 0);
	CHECK_EQ(v, N_TTY);
	v = N_TTY;
	CHECK_EQ(ioctl(s, TIOCSETD, &v), 0);
	v = -1;
	CHECK_ERRNO(ioctl(s, TIOCSETD, &v), -1, EINVAL);

	/* Requests a pty does not serve. */
	CHECK_ERRNO(ioctl(s, KDGKBTYPE, buf), -1, ENOTTY);
	CHECK_ERRNO(ioctl(m, KDGKBTYPE, buf), -1, ENOTTY);
	CHECK_ERRNO(ioctl(s, TIOCMGET, &v), -1, ENOTTY);
	CHECK_ERRNO(ioctl(s, TCFLSH, 3), -1, EINVAL);
	CHECK_ERRNO(ioctl(s, TCXONC, 7), -1, EINVAL);
	CHECK_ERRNO(ioctl(m, TIOCSIG, SIGUSR1), -1, EINVAL);
	/* tcdrain and tcsendbreak succeed at once. */
	CHECK_EQ(tcdrain(s), 0);
	CHECK_EQ(tcdrain(m), 0);
	CHECK_EQ(tcsendbreak(s, 0), 0);

	/* Not our controlling terminal: job-control queries fail on the
	 * slave; the master may ask, and there is no group or session. */
	CHECK_ERRNO(ioctl(s, TIOCGPGRP, &v), -1, ENOTTY);
	CHECK_ERRNO(ioctl(s, TIOCGSID, &v), -1, ENOTTY);
	v = -1;
	CHECK_EQ(ioctl(m, TIOCGPGRP, &v), 0);
	CHECK_EQ(v, 0);
	CHECK_ERRNO(ioctl(m, TIOCGSID, &v), -1, ENOTTY);
	CHECK_ERRNO(ioctl(s, TIOCNOTTY), -1, ENOTTY);
	CHECK_ERRNO(ioctl(m, TIOCNOTTY), -1, ENOTTY);
	v = getpgrp();
	CHECK_ERRNO(ioctl(s, TIOCSPGRP, &v), -1, ENOTTY);

	/* Exclusive mode is a flag of each side. */
	CHECK_EQ(ioctl(s, TIOCGEXCL, &v), 0);
	CHECK_EQ(v, 0);
	CHECK_EQ(ioctl(s, TIOCEXCL), 0);
	CHECK_EQ(ioctl(s, TIOCGEXCL, &v), 0);
	CHECK_EQ(v, 1);
	CHECK_EQ(ioctl(m, TIOCGEXCL, &v), 0);
	CHECK_EQ(v, 0);
	CHECK_EQ(ioctl(s, TIOCNXCL), 0);
	CHECK_EQ(ioctl(s, TIOCGEXCL, &v), 0);
	CHECK_EQ(v, 0);

	/* TIOCGPTPEER opens the slave as a new descriptor. */
	int s2 = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	CHECK_GE(s2, 0);
	CHECK_OK(fstat(s2, &st2));
	CHECK_EQ(st2.st_rdev, st.st_rdev);
	CHECK_EQ(fcntl(s2, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(s2, F_GETFL) & O_ACCMODE, O_RDWR);
	close(s2);

	/* Master reads block (EAGAIN non-blocking) while nothing is there. */
	fcntl(m, F_SETFL, O_NONBLOCK);
	CHECK_ERRNO(read(m, buf, sizeof(buf)), -1, EAGAIN);

	/* The last slave closes: the master sees POLLHUP, reads what is
	 * left, then EIO. Writes still go in. */
	CHECK_EQ(write(s, "bye", 3), 3);
	close(s);
	CHECK_EQ(wait_events(m, POLLHUP, 1) & (POLLIN | POLLOUT | POLLHUP), POLLIN | POLLOUT | POLLHUP);
	CHECK_EQ(read(m, buf, sizeof(buf)), 3);
	CHECK_ERRNO(read(m, buf, sizeof(buf)), -1, EIO);
	CHECK_EQ(revents(m) & (POLLIN | POLLOUT | POLLHUP), POLLOUT | POLLHUP);
	/* Opening the slave again clears it. */
	s = open(name, O_RDWR | O_NOCTTY | O_NONBLOCK);
	ASSERT_OK(s);
	CHECK_EQ(revents(m) & POLLHUP, 0);
	CHECK_ERRNO(read(m, buf, sizeof(buf)), -1, EAGAIN);
	CHECK_ERRNO(read(s, buf, sizeof(buf)), -1, EAGAIN);
	CHECK_EQ(revents(s) & (POLLIN | POLLOUT | POLLHUP | POLLERR), POLLOUT);

	/* The master closes: the slave is hung up for good. Reads see end of
	 * file, even with input queued; writes and most requests fail with
	 * EIO; the node goes away. */
	CHECK_EQ(write(m, "left\n", 5), 5);
	wait_events(s, POLLIN, 1);
	close(m);
	CHECK_EQ(revents(s), POLLIN | POLLOUT | POLLERR | POLLHUP);
	CHECK_EQ(read(s, buf, sizeof(buf)), 0);
	CHECK_ERRNO(write(s, "x", 1), -1, EIO);
	CHECK_ERRNO(tcgetattr(s, &t), -1, EIO);
	CHECK_ERRNO(ioctl(s, TIOCGWINSZ, &ws), -1, EIO);
	CHECK_ERRNO(ioctl(s, TIOCSPGRP, &v), -1, ENOTTY);
	CHECK_ERRNO(stat(name, &st2), -1, ENOENT);
	CHECK_ERRNO(open(name, O_RDWR | O_NOCTTY), -1, ENOENT);
	close(s);

	/* A new pair gets a fresh slave, separate from the first. */
	int m1 = posix_openpt(O_RDWR | O_NOCTTY);
	int m2 = posix_openpt(O_RDWR | O_NOCTTY);
	ASSERT_OK(m1);
	ASSERT_OK(m2);
	unsigned int p1, p2;
	CHECK_EQ(ioctl(m1, TIOCGPTN, &p1), 0);
	CHECK_EQ(ioctl(m2, TIOCGPTN, &p2), 0);
	CHECK_NE(p1, p2);
	unlockpt(m1);
	unlockpt(m2);
	int s1 = open(ptsname(m1), O_RDWR | O_NOCTTY);
	s2 = open(ptsname(m2), O_RDWR | O_NOCTTY);
	CHECK_EQ(write(s1, "one", 3), 3);
	CHECK_EQ(write(s2, "two", 3), 3);
	CHECK_EQ(read_all(m2, buf, 3), 3);
	CHECK_MEMEQ(buf, "two", 3);
	CHECK_EQ(read_all(m1, buf, 3), 3);
	CHECK_MEMEQ(buf, "one", 3);
	close(s1);
	close(s2);
	close(m1);
	close(m2);

	/* Opening /dev/ptmx read-only still gives a working master. */
	m = open("/dev/ptmx", O_RDONLY | O_NOCTTY);
	CHECK_GE(m, 0);
	close(m);

	return test_done();
}
