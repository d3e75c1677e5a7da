//go:build ignore

/* personality(2): any value is taken and the old one returned; the
 * persona belongs to the thread, passes to children, and survives execve
 * less READ_IMPLIES_EXEC; ADDR_NO_RANDOMIZE gives the same layout run
 * after run. */
#include "testutil.h"
#include <pthread.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/utsname.h>

#define QUERY 0xffffffffUL

static long pers(unsigned long p) { return syscall(SYS_personality, p); }

static void *thread_main(void *arg)
{
	(void)arg;
	/* A new thread starts with its creator's persona, and changing it
	 * changes only the thread's own. */
	CHECK_EQ(pers(QUERY), STICKY_TIMEOUTS);
	CHECK_EQ(pers(WHOLE_SECONDS), STICKY_TIMEOUTS);
	CHECK_EQ(pers(QUERY), WHOLE_SECONDS);
	return NULL;
}

/* perms_of returns the permissions /proc/self/maps shows for the
 * mapping that starts at addr ("" if none does). */
static const char *perms_of(void *addr)
{
	static char maps[65536], perms[5];
	char want[32];
	perms[0] = 0;
	if (read_text("/proc/self/maps", maps, sizeof maps) < 0)
		return perms;
	int n = snprintf(want, sizeof want, "%lx-", (unsigned long)addr);
	for (char *line = maps; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (strncmp(line, want, n) == 0) {
			char *sp = strchr(line, ' ');
			if (sp) {
				memcpy(perms, sp + 1, 4);
				perms[4] = 0;
			}
			break;
		}
	}
	return perms;
}

/* layout runs this program again with arg, and reads what it prints. */
static int run_self(const char *arg, char *out, int size)
{
	int p[2];
	if (pipe(p) != 0)
		return -1;
	pid_t c = fork();
	if (c < 0)
		return -1;
	if (c == 0) {
		dup2(p[1], 1);
		execl("/proc/self/exe", "personality", arg, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	int n = 0, r;
	while (n < size - 1 && (r = read(p[0], out + n, size - 1 - n)) > 0)
		n += r;
	out[n] = 0;
	close(p[0]);
	int st;
	if (waitpid(c, &st, 0) != c || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "query") == 0) {
		/* The persona after execve, as the exit status's bits. */
		long p = pers(QUERY);
		char buf[32];
		int n = snprintf(buf, sizeof buf, "%lx", p);
		return write(1, buf, n) == n ? 0 : 1;
	}
	if (argc > 1 && strcmp(argv[1], "layout") == 0) {
		int local;
		void *m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		char buf[128];
		int n = snprintf(buf, sizeof buf, "%p %p %p %p", (void *)&local, (void *)&main, m, sbrk(0));
		return write(1, buf, n) == n ? 0 : 1;
	}

	/* Linux refuses nothing, and 0xffffffff only asks. */
	CHECK_EQ(pers(QUERY), PER_LINUX);
	CHECK_EQ(personality(QUERY), PER_LINUX);
	CHECK_EQ(pers(ADDR_NO_RANDOMIZE), PER_LINUX);
	CHECK_EQ(pers(QUERY), ADDR_NO_RANDOMIZE);
	CHECK_EQ(pers(0x12345678), ADDR_NO_RANDOMIZE);
	CHECK_EQ(pers(QUERY), 0x12345678);
	/* /proc/[pid]/personality shows it, in hex. */
	char shown[32];
	CHECK_EQ(read_text("/proc/self/personality", shown, sizeof shown), 9);
	CHECK_STREQ(shown, "12345678\n");
	/* The argument is an unsigned int and so is the result: no errno. */
	CHECK_EQ(pers(0xfffffffeUL), 0x12345678);
	CHECK_EQ(pers(QUERY), 0xfffffffeL);
	CHECK_EQ(personality(QUERY), -2);
	CHECK_EQ(pers(0x1ffffffffUL), 0xfffffffeL);
	CHECK_EQ(pers(0x100000000UL | PER_LINUX32), 0xfffffffeL);
	CHECK_EQ(pers(QUERY), PER_LINUX32);
	/* UNAME26: a 2.6 release, 2.6.(60 + minor), the rest kept. */
	struct utsname real, old;
	CHECK_OK(uname(&real));
	const char *rest = real.release;
	int dots = 0;
	while (*rest && (*rest == '.' || (*rest >= '0' && *rest <= '9'))) {
		if (*rest == '.' && ++dots >= 3)
			break;
		rest++;
	}
	char want26[80];
	snprintf(want26, sizeof want26, "2.6.%d%s", 60 + atoi(strchr(real.release, '.') + 1), rest);
	CHECK_EQ(pers(UNAME26), PER_LINUX32);
	CHECK_OK(uname(&old));
	CHECK_STREQ(old.release, want26);
	CHECK_STREQ(old.machine, "x86_64");
	CHECK_EQ(pers(PER_LINUX32), UNAME26);

	/* A 32-bit persona is told it runs on i686. */
	struct utsname u;
	CHECK_OK(uname(&u));
	CHECK_STREQ(u.machine, "i686");
	CHECK_EQ(pers(PER_LINUX), PER_LINUX32);
	CHECK_OK(uname(&u));
	CHECK_STREQ(u.machine, "x86_64");

	/* READ_IMPLIES_EXEC makes readable mappings executable. */
	CHECK_EQ(pers(READ_IMPLIES_EXEC), PER_LINUX);
	void *m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(m, MAP_FAILED);
	CHECK_STREQ(perms_of(m), "r-xp");
	void *w = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(w, MAP_FAILED);
	CHECK_STREQ(perms_of(w), "---p");
	munmap(w, 4096);
	munmap(m, 4096);
	CHECK_EQ(pers(PER_LINUX), READ_IMPLIES_EXEC);
	m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(m, MAP_FAILED);
	CHECK_STREQ(perms_of(m), "r--p");
	munmap(m, 4096);

	/* Threads. */
	CHECK_EQ(pers(STICKY_TIMEOUTS), PER_LINUX);
	pthread_t th;
	ASSERT_EQ(pthread_create(&th, NULL, thread_main, NULL), 0);
	ASSERT_EQ(pthread_join(th, NULL), 0);
	CHECK_EQ(pers(QUERY), STICKY_TIMEOUTS);

	/* fork passes it on. */
	CHECK_EQ(pers(ADDR_NO_RANDOMIZE | UNAME26), STICKY_TIMEOUTS);
	pid_t c = test_fork();
	if (c == 0) {
		CHECK_EQ(pers(QUERY), ADDR_NO_RANDOMIZE | UNAME26);
		child_exit();
	}
	int st;
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK_CHILD_OK(st);

	/* execve keeps it, but for READ_IMPLIES_EXEC. */
	char out[256];
	CHECK_EQ(pers(READ_IMPLIES_EXEC | ADDR_NO_RANDOMIZE | WHOLE_SECONDS), ADDR_NO_RANDOMIZE | UNAME26);
	CHECK_EQ(run_self("query", out, sizeof out), 0);
	char want[32];
	snprintf(want, sizeof want, "%x", ADDR_NO_RANDOMIZE | WHOLE_SECONDS);
	CHECK_STREQ(out, want);
	CHECK_EQ(pers(QUERY), READ_IMPLIES_EXEC | ADDR_NO_RANDOMIZE | WHOLE_SECONDS);

	/* ADDR_NO_RANDOMIZE: stack, program, mmap area and heap are where
	 * they were the time before. */
	CHECK_EQ(pers(ADDR_NO_RANDOMIZE), READ_IMPLIES_EXEC | ADDR_NO_RANDOMIZE | WHOLE_SECONDS);
	char a[256], b[256];
	CHECK_EQ(run_self("layout", a, sizeof a), 0);
	CHECK_EQ(run_self("layout", b, sizeof b), 0);
	CHECK_NE(a[0], 0);
	CHECK_STREQ(a, b);
	/* Without it they move (unless the host turned randomization off). */
	char rv[8] = "2";
	read_text("/proc/sys/kernel/randomize_va_space", rv, sizeof rv);
	CHECK_EQ(pers(PER_LINUX), ADDR_NO_RANDOMIZE);
	if (rv[0] != '0') {
		CHECK_EQ(run_self("layout", a, sizeof a), 0);
		CHECK_EQ(run_self("layout", b, sizeof b), 0);
		CHECK_NE(strcmp(a, b), 0);
	}
	return test_done();
}
