//go:build ignore

/*
 * pty_ldisc: the line discipline of a pseudoterminal (termios(3)):
 * canonical line editing (VERASE, VWERASE, VKILL, VEOF, VEOL, VLNEXT,
 * VREPRINT) and how each edit echoes (ECHOE, ECHOK, ECHOKE, ECHOCTL,
 * ECHOPRT, ECHONL), the 4096-byte line limit, input translation (ICRNL,
 * INLCR, IGNCR), output processing (OPOST, ONLCR, OCRNL, XTABS), raw
 * mode, VMIN/VTIME, flow control (IXON, TCXONC), flushing (TCFLSH,
 * TCSETSF), packet mode, and the settings a pty forces (CS8).
 */
#include "testutil.h"
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>

static int m, s;
static struct termios t0;

static int revents(int fd)
{
	struct pollfd p = { fd, POLLIN | POLLOUT, 0 };
	if (poll(&p, 1, 0) < 0)
		return -1;
	return p.revents;
}

/* Reads what the master has, waiting until want bytes came or 2s. */
static int mread(char *buf, int want)
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

/* Checks that the master reads exactly want (and nothing more soon). */
#define EXPECT_OUT(want)                                                   \
	do {                                                               \
		char ex_b[8192];                                           \
		int ex_w = sizeof(want) - 1;                               \
		int ex_n = mread(ex_b, ex_w);                              \
		CHECK_EQ(ex_n, ex_w);                                      \
		if (ex_n == ex_w)                                          \
			CHECK_MEMEQ(ex_b, want, ex_w);                     \
		usleep(10000);                                             \
		CHECK_ERRNO(read(m, ex_b, sizeof(ex_b)), -1, EAGAIN);      \
	} while (0)

/* Waits until the slave has input (or 2s), then reads it. */
static int sread(char *buf, int len)
{
	struct pollfd p = { s, POLLIN, 0 };
	poll(&p, 1, 2000);
	return read(s, buf, len);
}

static void type(const char *str)
{
	int n = strlen(str);
	CHECK_EQ(write(m, str, n), n);
}

static void set(struct termios *t)
{
	CHECK_EQ(tcsetattr(s, TCSANOW, t), 0);
}

/* Discards everything queued on both sides. */
static void reset(void)
{
	set(&t0);
	usleep(10000);
	tcflush(s, TCIOFLUSH);
	char b[8192];
	while (read(m, b, sizeof(b)) > 0)
		;
}

int main(void)
{
	char buf[8192];
	struct termios t;
	int n;

	m = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
	ASSERT_OK(m);
	ASSERT_EQ(unlockpt(m), 0);
	s = open(ptsname(m), O_RDWR | O_NOCTTY);
	ASSERT_OK(s);
	ASSERT_EQ(tcgetattr(s, &t0), 0);

	/* VERASE removes a character and echoes backspace-space-backspace. */
	type("abc\x7f" "d\n");
	CHECK_EQ(sread(buf, sizeof(buf)), 4);
	CHECK_MEMEQ(buf, "abd\n", 4);
	EXPECT_OUT("abc\b \bd\r\n");
	/* Erasing a control character echoed as ^X takes two columns. */
	type("\x01\x7f\n");
	CHECK_EQ(sread(buf, sizeof(buf)), 1);
	EXPECT_OUT("^A\b \b\b \b\r\n");
	/* A tab is erased back to where it started. */
	type("ab\tc\x7f\x7f\x7f\x7f");
	EXPECT_OUT("ab\tc\b \b\b\b\b\b\b\b\b \b\b \b");
	/* Nothing to erase: nothing happens. */
	type("\x7f\x15\x17");
	usleep(20000);
	CHECK_ERRNO(read(m, buf, sizeof(buf)), -1, EAGAIN);

	/* VWERASE erases the last word and the blanks after it. */
	type("foo bar  \x17\n");
	CHECK_EQ(sread(buf, sizeof(buf)), 5);
	CHECK_MEMEQ(buf, "foo \n", 5);
	EXPECT_OUT("foo bar  \b \b\b \b\b \b\b \b\b \b\r\n");

	/* VKILL with ECHOKE erases the line visibly. */
	type("xyz\x15ok\n");
	CHECK_EQ(sread(buf, sizeof(buf)), 3);
	CHECK_MEMEQ(buf, "ok\n", 3);
	EXPECT_OUT("xyz\b \b\b \b\b \bok\r\n");
	/* Without ECHOKE, it echoes ^U and a newline (ECHOK). */
	t = t0;
	t.c_lflag &= ~ECHOKE;
	set(&t);
	type("hello\x15" "a\n");
	CHECK_EQ(sread(buf, sizeof(buf)), 2);
	EXPECT_OUT("hello^U\r\na\r\n");
	/* ECHOPRT shows erased characters between \ and /. */
	t = t0;
	t.c_lflag |= ECHOPRT;
	set(&t);
	type("abc\x7f\x7f" "d\n");
	CHECK_EQ(sread(buf, sizeof(buf)), 3);
	CHECK_MEMEQ(buf, "ad\n", 3);
	EXPECT_OUT("abc\\cb/d\r\n");
	/* Without ECHOE, VERASE echoes itself. */
	t = t0;
	t.c_lflag &= ~(ECHOE | ECHOCTL);
	set(&t);
	type("ab\x7f\n");
	CHECK_EQ(sread(buf, sizeof(buf)), 2);
	EXPECT_OUT("ab\x7f\r\n");
	reset();

	/* VLNEXT quotes the next character; VREPRINT reprints the line. */
	type("a\x16\x03z\x12");
	EXPECT_OUT("a^\b^Cz^R\r\na^Cz");
	type("\n");
	CHECK_EQ(sread(buf, sizeof(buf)), 4);
	CHECK_MEMEQ(buf, "a\x03z\n", 4);
	EXPECT_OUT("\r\n");

	/* VEOF ends a line without being read; alone it reads as 0. It is
	 * not echoed. FIONREAD does not count it. */
	type("ab\x04");
	usleep(20000);
	CHECK_EQ(ioctl(s, FIONREAD, &n), 0);
	CHECK_EQ(n, 2);
	CHECK_EQ(sread(buf, sizeof(buf)), 2);
	CHECK_MEMEQ(buf, "ab", 2);
	type("\x04");
	CHECK_EQ(sread(buf, sizeof(buf)), 0);
	EXPECT_OUT("ab");
	/* One read returns one line at most; a short buffer splits it. */
	type("one\ntwo\n");
	CHECK_EQ(sread(buf, sizeof(buf)), 4);
	CHECK_MEMEQ(buf, "one\n", 4);
	CHECK_EQ(read(s, buf, 2), 2);
	CHECK_MEMEQ(buf, "tw", 2);
	CHECK_EQ(read(s, buf, sizeof(buf)), 2);
	CHECK_MEMEQ(buf, "o\n", 2);
	reset();

	/* VEOL is another line end, read and echoed. */
	t = t0;
	t.c_cc[VEOL] = '#';
	set(&t);
	type("x#y");
	CHECK_EQ(sread(buf, sizeof(buf)), 2);
	CHECK_MEMEQ(buf, "x#", 2);
	EXPECT_OUT("x#y");
	reset();

	/* No ECHO: nothing echoes; ECHONL still echoes newlines. */
	t = t0;
	t.c_lflag &= ~ECHO;
	set(&t);
	type("quiet\n");
	CHECK_EQ(sread(buf, sizeof(buf)), 6);
	usleep(20000);
	CHECK_ERRNO(read(m, buf, sizeof(buf)), -1, EAGAIN);
	t.c_lflag |= ECHONL;
	set(&t);
	type("nl\n");
	CHECK_EQ(sread(buf, sizeof(buf)), 3);
	EXPECT_OUT("\r\n");
	/* Without ECHOCTL control characters echo as themselves. */
	t = t0;
	t.c_lflag &= ~ECHOCTL;
	set(&t);
	type("\x01\n");
	CHECK_EQ(sread(buf, sizeof(buf)), 2);
	EXPECT_OUT("\x01\r\n");
	reset();

	/* A line holds 4095 characters and its newline; more are lost. */
	memset(buf, 'a', 5000);
	t = t0;
	t.c_lflag &= ~ECHO;
	set(&t);
	CHECK_EQ(write(m, buf, 2500), 2500);
	usleep(20000);
	CHECK_EQ(write(m, buf, 2500), 2500);
	usleep(20000);
	CHECK_EQ(write(m, "\n", 1), 1);
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(sread(buf, sizeof(buf)), 4096);
	CHECK_EQ(buf[4094], 'a');
	CHECK_EQ(buf[4095], '\n');
	reset();

	/* Input translation: INLCR turns NL into CR, IGNCR drops CR, and
	 * without ICRNL CR is an ordinary character. */
	t = t0;
	t.c_iflag = (t.c_iflag & ~ICRNL) | INLCR;
	t.c_lflag &= ~ECHO;
	set(&t);
	type("a\rb\n");
	usleep(20000);
	CHECK_EQ(ioctl(s, FIONREAD, &n), 0);
	CHECK_EQ(n, 0); /* no newline came */
	type("\x04");
	CHECK_EQ(sread(buf, sizeof(buf)), 4);
	CHECK_MEMEQ(buf, "a\rb\r", 4);
	t.c_iflag = (t.c_iflag & ~INLCR) | IGNCR;
	set(&t);
	type("c\rd\n");
	CHECK_EQ(sread(buf, sizeof(buf)), 3);
	CHECK_MEMEQ(buf, "cd\n", 3);
	reset();

	/* Output processing. */
	CHECK_EQ(write(s, "x\ty\n", 4), 4);
	EXPECT_OUT("x\ty\r\n");
	t = t0;
	t.c_oflag |= XTABS | OCRNL;
	set(&t);
	CHECK_EQ(write(s, "ab\tc\r", 5), 5);
	EXPECT_OUT("ab      c\n");
	t = t0;
	t.c_oflag &= ~ONLCR;
	set(&t);
	CHECK_EQ(write(s, "p\nq", 3), 3);
	EXPECT_OUT("p\nq");
	t = t0;
	t.c_oflag &= ~OPOST;
	t.c_oflag |= XTABS;
	set(&t);
	CHECK_EQ(write(s, "\t\n", 2), 2);
	EXPECT_OUT("\t\n");
	reset();

	/* Raw mode: no translation, no echo, bytes readable at once. */
	t = t0;
	cfmakeraw(&t);
	set(&t);
	type("r\r\x03\x7f");
	CHECK_EQ(sread(buf, sizeof(buf)), 4);
	CHECK_MEMEQ(buf, "r\r\x03\x7f", 4);
	CHECK_EQ(write(s, "o\n", 2), 2);
	EXPECT_OUT("o\n");
	/* Non-canonical with ECHO: a plain NL echoes as ^J under ECHOCTL,
	 * a CR turned into NL echoes as a newline. */
	t = t0;
	t.c_lflag &= ~ICANON;
	set(&t);
	type("a\nb\r");
	EXPECT_OUT("a^Jb\r\n");
	CHECK_EQ(sread(buf, sizeof(buf)), 4);
	reset();

	/* VMIN/VTIME. */
	t = t0;
	cfmakeraw(&t);
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	set(&t);
	CHECK_EQ(read(s, buf, sizeof(buf)), 0); /* polling read */
	/* VMIN=3: poll and read wait for three bytes. */
	t.c_cc[VMIN] = 3;
	set(&t);
	type("12");
	usleep(30000);
	CHECK_EQ(revents(s) & POLLIN, 0);
	type("3");
	CHECK_EQ(sread(buf, sizeof(buf)), 3);
	/* VMIN=0, VTIME=2: a read with no input returns 0 after 0.2s. */
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 2;
	set(&t);
	long long t1 = now_ns();
	CHECK_EQ(read(s, buf, sizeof(buf)), 0);
	long long el = now_ns() - t1;
	CHECK_GE(el, 150000000LL);
	CHECK_LT(el, 2000000000LL);
	/* ... and returns at once with input: with VTIME=2s a read that
	 * waited for the timer would take far longer than the bound, which
	 * leaves a loaded machine a second of slack. */
	t.c_cc[VTIME] = 20;
	set(&t);
	type("z");
	t1 = now_ns();
	CHECK_EQ(read(s, buf, sizeof(buf)), 1);
	CHECK_LT(now_ns() - t1, 1000000000LL);
	/* VMIN=5, VTIME=1: after some input, 0.1s of silence ends the read. */
	t.c_cc[VMIN] = 5;
	t.c_cc[VTIME] = 1;
	set(&t);
	type("ab");
	usleep(10000);
	t1 = now_ns();
	CHECK_EQ(read(s, buf, sizeof(buf)), 2);
	CHECK_LT(now_ns() - t1, 1000000000LL);
	/* A non-blocking read with nothing queued fails with EAGAIN. */
	fcntl(s, F_SETFL, O_NONBLOCK);
	CHECK_ERRNO(read(s, buf, sizeof(buf)), -1, EAGAIN);
	fcntl(s, F_SETFL, 0);
	reset();

	/* Flow control: ^S stops the slave's output, ^Q restarts it. */
	type("\x13");
	long long end = now_ns() + 2000000000LL;
	while ((revents(s) & POLLOUT) && now_ns() < end)
		usleep(1000);
	CHECK_EQ(revents(s) & POLLOUT, 0);
	fcntl(s, F_SETFL, O_NONBLOCK);
	CHECK_ERRNO(write(s, "x", 1), -1, EAGAIN);
	type("\x11");
	end = now_ns() + 2000000000LL;
	while (!(revents(s) & POLLOUT) && now_ns() < end)
		usleep(1000);
	CHECK_EQ(write(s, "x", 1), 1);
	EXPECT_OUT("x");
	/* TCXONC does the same from the slave. */
	CHECK_EQ(tcflow(s, TCOOFF), 0);
	CHECK_ERRNO(write(s, "y", 1), -1, EAGAIN);
	CHECK_EQ(tcflow(s, TCOON), 0);
	CHECK_EQ(write(s, "y", 1), 1);
	EXPECT_OUT("y");
	fcntl(s, F_SETFL, 0);
	reset();

	/* TCFLSH on the slave: input and output. */
	type("gone\n");
	usleep(20000);
	EXPECT_OUT("gone\r\n");
	CHECK_EQ(tcflush(s, TCIFLUSH), 0);
	CHECK_EQ(ioctl(s, FIONREAD, &n), 0);
	CHECK_EQ(n, 0);
	/* TCOFLUSH on the slave cannot take back what reached the master's
	 * side; TCIFLUSH on the master discards it. */
	CHECK_EQ(write(s, "out", 3), 3);
	usleep(20000);
	CHECK_EQ(tcflush(s, TCOFLUSH), 0);
	EXPECT_OUT("out");
	CHECK_EQ(write(s, "out", 3), 3);
	usleep(20000);
	CHECK_EQ(tcflush(m, TCIFLUSH), 0);
	CHECK_ERRNO(read(m, buf, sizeof(buf)), -1, EAGAIN);
	/* TCSETSF flushes input. */
	type("more\n");
	usleep(20000);
	EXPECT_OUT("more\r\n");
	CHECK_EQ(tcsetattr(s, TCSAFLUSH, &t0), 0);
	CHECK_EQ(ioctl(s, FIONREAD, &n), 0);
	CHECK_EQ(n, 0);
	reset();

	/* Packet mode: each read of the master starts with a status byte. */
	int on = 1;
	CHECK_EQ(ioctl(m, TIOCPKT, &on), 0);
	CHECK_EQ(ioctl(m, TIOCGPKT, &on), 0);
	CHECK_EQ(on, 1);
	CHECK_EQ(write(s, "pk", 2), 2);
	CHECK_EQ(mread(buf, 3), 3);
	CHECK_MEMEQ(buf, "\0pk", 3);
	CHECK_EQ(tcflush(s, TCIFLUSH), 0);
	CHECK_EQ(mread(buf, 1), 1);
	CHECK_EQ(buf[0], TIOCPKT_FLUSHREAD);
	on = 0;
	CHECK_EQ(ioctl(m, TIOCPKT, &on), 0);
	reset();

	/* A pty is always 8 bits, no parity; speeds are kept. */
	t = t0;
	t.c_cflag = (t.c_cflag & ~CSIZE) | CS7 | PARENB;
	cfsetspeed(&t, B9600);
	set(&t);
	CHECK_EQ(tcgetattr(s, &t), 0);
	CHECK_EQ(t.c_cflag & CSIZE, CS8);
	CHECK_EQ(t.c_cflag & PARENB, 0);
	CHECK_EQ(cfgetospeed(&t), B9600);
	CHECK_EQ(cfgetispeed(&t), B9600);
	reset();

	/* IUTF8: VERASE removes a whole multibyte character. */
	t = t0;
	t.c_iflag |= IUTF8;
	set(&t);
	type("x\xc3\xa9\x7f\n");
	CHECK_EQ(sread(buf, sizeof(buf)), 2);
	CHECK_MEMEQ(buf, "x\n", 2);
	EXPECT_OUT("x\xc3\xa9\b \b\r\n");
	reset();

	/* ISIG off: ^C is an ordinary character. */
	t = t0;
	t.c_lflag &= ~(ISIG | ECHO);
	set(&t);
	type("\x03\x1a\n");
	CHECK_EQ(sread(buf, sizeof(buf)), 3);
	CHECK_MEMEQ(buf, "\x03\x1a\n", 3);

	close(s);
	close(m);
	return test_done();
}
