/*
 * testutil.h: check macros shared by the syscall behaviour tests.
 *
 * Every test is a small C program. It runs its checks and ends main with
 *     return test_done();
 * which prints "PASS\n" and returns 0 when every check held, and returns 1
 * otherwise. A failed check prints "file:line: expression: got X, want Y"
 * (and errno where it matters) to stderr and lets the test go on, so one run
 * reports every failure. ASSERT_* variants stop the program at once, for the
 * cases where going on makes no sense (a failed open, a failed mmap).
 *
 * Messages are formatted with snprintf into a stack buffer and written with
 * write(2): no stdio buffering and no malloc, so the macros are safe after
 * fork, in signal handlers (in practice), and around raw brk calls.
 *
 * Fork with test_fork() (the child starts with no failures) and end the
 * child with child_exit(), which turns its failures into exit status 1; the
 * parent then checks the status with CHECK_CHILD_OK.
 *
 * The macros do not touch errno before evaluating their arguments, so
 * CHECK_EQ(errno, EAGAIN) and CHECK_ERRNO(saved_ret, -1, EAGAIN) work. The
 * errno a failure message shows is errno right after the expression.
 *
 * A constructor resets the signal mask and dispositions before main (see
 * tu_reset_signals). probe_read/probe_write touch memory and report the
 * SIGSEGV/SIGBUS it raised, with si_code and si_addr.
 *
 * Adding a test: write NAME.c next to this file, starting with the line
 * "//go:build ignore" (so the go tool leaves it alone), one area per file,
 * every result and errno checked exactly, and make it pass natively:
 *     go test ./test/syscalls/ -run 'TestSyscalls/native/^NAME$' -v
 * Tests may only read the host filesystem, must not use the network, and
 * must not depend on the uid, the terminal or what stdin is.
 */
#ifndef MOAT_TESTUTIL_H
#define MOAT_TESTUTIL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static int tu_failures;

__attribute__((format(printf, 3, 4), unused)) static void
tu_report(const char *file, int line, const char *fmt, ...)
{
	char buf[1024];
	int n = snprintf(buf, sizeof(buf), "%s:%d: ", file, line);
	if (n < 0 || n >= (int)sizeof(buf))
		n = 0;
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	n += m;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	const char *p = buf;
	while (n > 0) {
		ssize_t w = write(2, p, n);
		if (w <= 0)
			break;
		p += w;
		n -= w;
	}
}

#define FAIL(...)                                                   \
	do {                                                        \
		tu_failures++;                                      \
		tu_report(__FILE__, __LINE__, __VA_ARGS__);         \
	} while (0)

#define FATAL(...)                                                  \
	do {                                                        \
		tu_report(__FILE__, __LINE__, __VA_ARGS__);         \
		_exit(1);                                           \
	} while (0)

/* CHECK(cond): cond must be true. */
#define CHECK(cond)                                                     \
	do {                                                            \
		if (!(cond)) {                                          \
			int tu_e = errno;                               \
			FAIL("CHECK(%s) failed (errno %d %s)", #cond,   \
			     tu_e, TU_NAME(tu_e)); \
		}                                                       \
	} while (0)

/* The outer macros stringify their arguments, so messages show them as
 * written (O_RDONLY, not 00). */
#define TU_NAME(e) (strerrorname_np(e) ? strerrorname_np(e) : "0")

#define TU_CMP(expr, op, want, on_fail, s_expr, s_want)                          \
	do {                                                                     \
		long long tu_g = (long long)(expr);                              \
		int tu_e = errno;                                                \
		long long tu_w = (long long)(want);                              \
		if (!(tu_g op tu_w))                                             \
			on_fail("%s " #op " %s: got %lld (0x%llx), want %lld (0x%llx)" \
				" (errno now %d %s)", s_expr, s_want, tu_g,      \
				(unsigned long long)tu_g, tu_w,                  \
				(unsigned long long)tu_w, tu_e, TU_NAME(tu_e));  \
	} while (0)

/* Comparisons of integer (or pointer) values. */
#define CHECK_EQ(expr, want) TU_CMP(expr, ==, want, FAIL, #expr, #want)
#define CHECK_NE(expr, want) TU_CMP(expr, !=, want, FAIL, #expr, #want)
#define CHECK_GE(expr, want) TU_CMP(expr, >=, want, FAIL, #expr, #want)
#define CHECK_GT(expr, want) TU_CMP(expr, >, want, FAIL, #expr, #want)
#define CHECK_LE(expr, want) TU_CMP(expr, <=, want, FAIL, #expr, #want)
#define CHECK_LT(expr, want) TU_CMP(expr, <, want, FAIL, #expr, #want)
#define ASSERT_EQ(expr, want) TU_CMP(expr, ==, want, FATAL, #expr, #want)
#define ASSERT_NE(expr, want) TU_CMP(expr, !=, want, FATAL, #expr, #want)
#define ASSERT_GE(expr, want) TU_CMP(expr, >=, want, FATAL, #expr, #want)
#define ASSERT_GT(expr, want) TU_CMP(expr, >, want, FATAL, #expr, #want)

/*
 * CHECK_ERRNO(expr, ret, err): expr must return exactly ret (usually -1)
 * with errno set to err.
 */
#define TU_ERRNO(expr, ret, err, on_fail, s_expr, s_err)                        \
	do {                                                                    \
		long long tu_g = (long long)(expr);                             \
		int tu_e = errno;                                               \
		if (tu_g != (long long)(ret) || tu_e != (err))                  \
			on_fail("%s: got %lld errno %d (%s), want %lld errno %d (%s)", \
				s_expr, tu_g, tu_e, TU_NAME(tu_e),              \
				(long long)(ret), (err), s_err);                \
	} while (0)
#define CHECK_ERRNO(expr, ret, err) TU_ERRNO(expr, ret, err, FAIL, #expr, #err)
#define ASSERT_ERRNO(expr, ret, err) TU_ERRNO(expr, ret, err, FATAL, #expr, #err)

/* CHECK_OK(expr): expr must not return -1 (a syscall that must succeed). */
#define CHECK_OK(expr)                                                        \
	do {                                                                  \
		long long tu_g = (long long)(expr);                           \
		int tu_e = errno;                                             \
		if (tu_g == -1)                                               \
			FAIL("%s failed: errno %d (%s)", #expr, tu_e,         \
			     TU_NAME(tu_e)); \
	} while (0)

/*
 * ASSERT_OK(var = expr): like CHECK_OK but stops the program. The value
 * can be assigned inside the expression.
 */
#define ASSERT_OK(expr)                                                       \
	do {                                                                  \
		long long tu_g = (long long)(expr);                           \
		int tu_e = errno;                                             \
		if (tu_g == -1)                                               \
			FATAL("%s failed: errno %d (%s)", #expr, tu_e,        \
			      TU_NAME(tu_e)); \
	} while (0)

/* Strings and memory. */
#define CHECK_STREQ(got, want)                                                 \
	do {                                                                   \
		const char *tu_gs = (got), *tu_ws = (want);                    \
		if (tu_gs == NULL || tu_ws == NULL || strcmp(tu_gs, tu_ws) != 0) \
			FAIL("%s == %s: got \"%s\", want \"%s\"", #got, #want, \
			     tu_gs ? tu_gs : "(null)", tu_ws ? tu_ws : "(null)"); \
	} while (0)

#define CHECK_MEMEQ(got, want, n)                                              \
	do {                                                                   \
		const unsigned char *tu_gm = (const unsigned char *)(got);     \
		const unsigned char *tu_wm = (const unsigned char *)(want);    \
		size_t tu_n = (n), tu_i;                                       \
		for (tu_i = 0; tu_i < tu_n; tu_i++)                            \
			if (tu_gm[tu_i] != tu_wm[tu_i])                        \
				break;                                         \
		if (tu_i != tu_n)                                              \
			FAIL("memcmp(%s, %s, %zu): first difference at byte %zu:" \
			     " got 0x%02x, want 0x%02x", #got, #want, tu_n, tu_i, \
			     tu_gm[tu_i], tu_wm[tu_i]);                        \
	} while (0)

/*
 * Child processes. CHECK_EXITED(status, code): the waited-for child exited
 * normally with that code. CHECK_SIGNALED(status, sig): killed by sig.
 */
#define CHECK_EXITED(status, code)                                             \
	do {                                                                   \
		int tu_st = (status);                                          \
		if (!WIFEXITED(tu_st) || WEXITSTATUS(tu_st) != (code))         \
			FAIL("%s: want exit(%d), got status 0x%x (%s %d)", #status, \
			     (code), tu_st,                                    \
			     WIFEXITED(tu_st) ? "exited" :                     \
			     WIFSIGNALED(tu_st) ? "signal" : "other",          \
			     WIFEXITED(tu_st) ? WEXITSTATUS(tu_st) :           \
			     WIFSIGNALED(tu_st) ? WTERMSIG(tu_st) : -1);       \
	} while (0)
#define CHECK_CHILD_OK(status) CHECK_EXITED(status, 0)

#define CHECK_SIGNALED(status, sig)                                            \
	do {                                                                   \
		int tu_st = (status);                                          \
		if (!WIFSIGNALED(tu_st) || WTERMSIG(tu_st) != (sig))           \
			FAIL("%s: want killed by signal %d, got status 0x%x",  \
			     #status, (sig), tu_st);                           \
	} while (0)

/*
 * test_fork forks; the child starts with a clean failure count, so that its
 * exit status reflects only its own checks.
 */
__attribute__((unused)) static pid_t test_fork(void)
{
	pid_t pid = fork();
	if (pid == 0)
		tu_failures = 0;
	return pid;
}

/* child_exit ends a forked child: status 0 if its checks held, else 1. */
__attribute__((noreturn, unused)) static void child_exit(void)
{
	_exit(tu_failures ? 1 : 0);
}

/* test_done ends main: prints PASS and returns 0, or returns 1. */
__attribute__((unused)) static int test_done(void)
{
	if (tu_failures) {
		char buf[64];
		int n = snprintf(buf, sizeof(buf), "FAIL: %d check(s) failed\n",
				 tu_failures);
		if (write(2, buf, n) < 0) {
		}
		return 1;
	}
	if (write(1, "PASS\n", 5) != 5)
		return 1;
	return 0;
}

/*
 * Every test starts from the same signal state whatever started it: no
 * signal blocked, every signal at its default action (a parent may have
 * left SIGPIPE ignored, for example). A test that re-executes itself to
 * check what survives execve sets MOAT_KEEP_SIGNALS=1 in the new
 * environment to skip this. (glibc passes argc, argv and envp to ELF
 * constructors, dynamic and static.)
 */
__attribute__((constructor, unused)) static void tu_reset_signals(int argc, char **argv,
								   char **envp)
{
	(void)argc;
	(void)argv;
	for (char **e = envp; e && *e; e++)
		if (strcmp(*e, "MOAT_KEEP_SIGNALS=1") == 0)
			return;
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		signal(sig, SIG_DFL);
	}
}

/* Raw syscalls, for when the libc wrapper would hide the kernel's answer. */
#define RAW(...) syscall(__VA_ARGS__)

/* now_ns: CLOCK_MONOTONIC in nanoseconds. */
#include <time.h>
__attribute__((unused)) static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * Memory probes. probe_read(addr) and probe_write(addr, v) touch one byte and
 * return 0 if that worked, or the signal (SIGSEGV, SIGBUS) it raised; then
 * probe_code and probe_addr hold the fault's si_code and si_addr.
 */
#include <setjmp.h>
#include <signal.h>
static sigjmp_buf tu_probe_jmp;
static volatile int probe_sig, probe_code;
static void *volatile probe_addr;

__attribute__((unused)) static void tu_probe_handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	probe_sig = sig;
	probe_code = si->si_code;
	probe_addr = si->si_addr;
	siglongjmp(tu_probe_jmp, 1);
}

__attribute__((unused)) static void tu_probe_install(struct sigaction *old_segv,
						      struct sigaction *old_bus)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = tu_probe_handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, old_segv) || sigaction(SIGBUS, &sa, old_bus))
		FATAL("sigaction: errno %d", errno);
}

__attribute__((unused, noinline)) static int tu_probe(volatile char *addr, int write, char v)
{
	struct sigaction old_segv, old_bus;
	tu_probe_install(&old_segv, &old_bus);
	probe_sig = 0;
	probe_code = 0;
	probe_addr = NULL;
	if (sigsetjmp(tu_probe_jmp, 1) == 0) {
		if (write)
			*addr = v;
		else
			(void)*addr;
	}
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGBUS, &old_bus, NULL);
	return probe_sig;
}
#define probe_read(addr) tu_probe((volatile char *)(addr), 0, 0)
#define probe_write(addr, v) tu_probe((volatile char *)(addr), 1, (v))

/*
 * setup_dir makes a fresh directory under /tmp (its name in tdir) and
 * enters it; cleanup_dir leaves it and removes it with all it holds. For
 * tests that create files: they never touch the directory they start in.
 */
static char tdir[64] __attribute__((unused));

static int tu_rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

__attribute__((unused)) static void setup_dir(void)
{
	strcpy(tdir, "/tmp/moat-test-XXXXXX");
	if (!mkdtemp(tdir))
		FATAL("mkdtemp: errno %d", errno);
	if (chdir(tdir))
		FATAL("chdir: errno %d", errno);
}

__attribute__((unused)) static void cleanup_dir(void)
{
	if (chdir("/")) {
	}
	nftw(tdir, tu_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * read_text reads the whole of a small file (a /proc file, say) into buf,
 * NUL-terminated; it returns the length, or -1 with errno set.
 */
__attribute__((unused)) static int read_text(const char *path, char *buf, int size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int n = 0, r = 0;
	while (n < size - 1 && (r = read(fd, buf + n, size - 1 - n)) > 0)
		n += r;
	int saved = errno;
	close(fd);
	buf[n] = 0;
	errno = saved;
	return r < 0 ? -1 : n;
}

/*
 * fdinfo_pid returns the Pid: field of /proc/self/fdinfo/FD (a pidfd's),
 * or a negative number below -999 if it cannot be read.
 */
__attribute__((unused)) static int fdinfo_pid(int fd)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	if (read_text(path, buf, sizeof buf) <= 0)
		return -1000;
	char *p = strstr(buf, "\nPid:\t");
	return p ? atoi(p + 6) : -1002;
}

#endif /* MOAT_TESTUTIL_H */
