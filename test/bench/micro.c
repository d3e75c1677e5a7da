//go:build ignore

/*
 * Microbenchmarks for `make bench`. Usage: micro NAME [ARG]
 *
 * ARG is the file that open_read_close and stream_read read.
 * Runs benchmark NAME for REPS repetitions of about TARGET_MS each and
 * prints one line per repetition: "NAME NS_PER_OP". The runner (bench.go)
 * runs it natively and under each platform and takes the medians.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define REPS 5
#define TARGET_NS 150000000LL

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static const char *arg;
static int pfd[2][2];
static pid_t echo_pid;
static volatile char *storm;
static size_t storm_size = 64 << 20;

static void op_getpid(void) { syscall(SYS_getpid); }

static void op_clock_gettime(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
}

static void op_open_read_close(void)
{
	char buf[256];
	int fd = open(arg, O_RDONLY);
	if (fd < 0 || read(fd, buf, sizeof buf) <= 0) {
		perror(arg);
		exit(1);
	}
	close(fd);
}

static void op_fork_wait(void)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	if (pid < 0 || waitpid(pid, NULL, 0) != pid) {
		perror("fork");
		exit(1);
	}
}

/* The shell's and the build's unit of work: start a dynamic program. */
static void op_fork_exec(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		execl("/bin/true", "true", (char *)0);
		_exit(127);
	}
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		perror("fork_exec");
		exit(1);
	}
}

static void op_pipe_pingpong(void)
{
	char c = 'x';
	if (write(pfd[0][1], &c, 1) != 1 || read(pfd[1][0], &c, 1) != 1) {
		perror("pipe");
		exit(1);
	}
}

static void setup_pipe(void)
{
	if (pipe(pfd[0]) || pipe(pfd[1])) {
		perror("pipe");
		exit(1);
	}
	echo_pid = fork();
	if (echo_pid == 0) {
		char c;
		close(pfd[0][1]);
		close(pfd[1][0]);
		while (read(pfd[0][0], &c, 1) == 1)
			if (write(pfd[1][1], &c, 1) != 1)
				break;
		_exit(0);
	}
	close(pfd[0][0]);
	close(pfd[1][1]);
}

static void teardown_pipe(void)
{
	close(pfd[0][1]);
	close(pfd[1][0]);
	waitpid(echo_pid, NULL, 0);
}

static void op_mmap_touch(void)
{
	size_t len = 1 << 20;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
	munmap(p, len);
}

/* One op is a streamed read of the whole big file (arg), 128 KiB at a
 * time, as cp and cat read. */
static void op_stream_read(void)
{
	static char buf[128 << 10];
	int fd = open(arg, O_RDONLY);
	if (fd < 0) {
		perror(arg);
		exit(1);
	}
	ssize_t n;
	long long total = 0;
	while ((n = read(fd, buf, sizeof buf)) > 0)
		total += n;
	if (n < 0 || total == 0) {
		perror("read");
		exit(1);
	}
	close(fd);
}

/* One op is one page fault: a write to a new page of a big mapping. */
static size_t storm_off;
static void op_fault(void)
{
	if (storm_off == 0) {
		storm = mmap(NULL, storm_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (storm == MAP_FAILED) {
			perror("mmap");
			exit(1);
		}
	}
	storm[storm_off] = 1;
	storm_off += 4096;
	if (storm_off == storm_size) {
		munmap((void *)storm, storm_size);
		storm_off = 0;
	}
}

/* TCP over loopback: a child accepts and reads everything into a 1 MiB
 * buffer (as a bulk receiver does); one op is one write of tcp_size
 * bytes on the connected socket, Nagle on (the default). */
static int tcp_fd = -1, tcp_size;
static pid_t tcp_pid;
static char *tcp_buf;

static void setup_tcp(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t l = sizeof a;
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || bind(s, (void *)&a, l) || listen(s, 1) || getsockname(s, (void *)&a, &l)) {
		perror("tcp listen");
		exit(1);
	}
	tcp_pid = fork();
	if (tcp_pid == 0) {
		static char b[1 << 20];
		int c = accept(s, NULL, NULL);
		while (c >= 0 && read(c, b, sizeof b) > 0)
			;
		_exit(0);
	}
	close(s);
	tcp_fd = socket(AF_INET, SOCK_STREAM, 0);
	if (tcp_fd < 0 || connect(tcp_fd, (void *)&a, l)) {
		perror("tcp connect");
		exit(1);
	}
	tcp_buf = calloc(1, tcp_size);
}

static void setup_tcp_64k(void) { tcp_size = 64 << 10; setup_tcp(); }
static void setup_tcp_100(void) { tcp_size = 100; setup_tcp(); }

static void teardown_tcp(void)
{
	close(tcp_fd);
	waitpid(tcp_pid, NULL, 0);
}

static void op_tcp_write(void)
{
	for (int done = 0; done < tcp_size;) {
		ssize_t n = write(tcp_fd, tcp_buf + done, tcp_size - done);
		if (n <= 0) {
			perror("tcp write");
			exit(1);
		}
		done += n;
	}
}

static const struct {
	const char *name;
	void (*op)(void);
	int batch;
	void (*setup)(void), (*teardown)(void);
} benches[] = {
	{"getpid", op_getpid, 1000},
	{"clock_gettime", op_clock_gettime, 1000},
	{"open_read_close", op_open_read_close, 100},
	{"fork_wait", op_fork_wait, 5},
	{"fork_exec", op_fork_exec, 5},
	{"pipe_pingpong", op_pipe_pingpong, 100, setup_pipe, teardown_pipe},
	{"mmap_touch_1m", op_mmap_touch, 5},
	{"page_fault", op_fault, 256},
	{"stream_read", op_stream_read, 1},
	{"tcp_64k", op_tcp_write, 16, setup_tcp_64k, teardown_tcp},
	{"tcp_100", op_tcp_write, 1000, setup_tcp_100, teardown_tcp},
};

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: micro NAME [ARG]\n");
		return 2;
	}
	arg = argc > 2 ? argv[2] : "";
	for (size_t b = 0; b < sizeof benches / sizeof benches[0]; b++) {
		if (strcmp(benches[b].name, argv[1]) != 0)
			continue;
		if (benches[b].setup)
			benches[b].setup();
		for (int i = 0; i < benches[b].batch; i++) /* warm up */
			benches[b].op();
		for (int r = 0; r < REPS; r++) {
			long long n = 0, t0 = now_ns(), t;
			do {
				for (int i = 0; i < benches[b].batch; i++)
					benches[b].op();
				n += benches[b].batch;
			} while ((t = now_ns()) - t0 < TARGET_NS);
			printf("%s %.1f\n", argv[1], (double)(t - t0) / n);
		}
		if (benches[b].teardown)
			benches[b].teardown();
		return 0;
	}
	fprintf(stderr, "micro: no benchmark %s\n", argv[1]);
	return 2;
}
