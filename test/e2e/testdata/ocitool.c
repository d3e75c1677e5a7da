/* ocitool: a tiny static program for the OCI lifecycle tests.
 * ocitool echo ARGS...   print the arguments
 * ocitool exit N         exit with status N
 * ocitool sleep SECS     sleep
 * ocitool trap           print "ready", then exit 42 on SIGTERM
 * ocitool tick           print a line every 20ms, forever
 * ocitool cat            copy stdin to stdout
 * ocitool tty            print "tty" or "notty" for stdin
 * ocitool id             print "uid gid"
 * ocitool pwd            print the working directory
 * ocitool getenv NAME    print the value of NAME
 * ocitool hostname       print the hostname
 * ocitool read FILE      print FILE, or the error
 * ocitool write FILE TEXT  write TEXT to FILE (O_TRUNC); print "ok" or the error
 * ocitool chown FILE UID   print "ok" or the error
 * ocitool mkdir DIR        print "ok" or the error
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

static void on_term(int sig) {
	(void)sig;
	static const char msg[] = "got TERM\n";
	write(1, msg, sizeof msg - 1);
	_exit(42);
}

int main(int argc, char **argv) {
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc < 2) {
		fprintf(stderr, "usage: ocitool CMD [ARGS]\n");
		return 2;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "echo")) {
		for (int i = 2; i < argc; i++)
			printf("%s%s", i > 2 ? " " : "", argv[i]);
		printf("\n");
		return 0;
	}
	if (!strcmp(cmd, "exit"))
		return argc > 2 ? atoi(argv[2]) : 0;
	if (!strcmp(cmd, "sleep")) {
		double s = argc > 2 ? atof(argv[2]) : 1;
		struct timespec ts = {(time_t)s, (long)((s - (time_t)s) * 1e9)};
		while (nanosleep(&ts, &ts) != 0)
			;
		return 0;
	}
	if (!strcmp(cmd, "trap")) {
		signal(SIGTERM, on_term);
		printf("ready\n");
		for (;;)
			pause();
	}
	if (!strcmp(cmd, "tick")) {
		for (long i = 0;; i++) {
			printf("tick %ld\n", i);
			struct timespec ts = {0, 20 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
	}
	if (!strcmp(cmd, "cat")) {
		char buf[4096];
		ssize_t n;
		while ((n = read(0, buf, sizeof buf)) > 0)
			write(1, buf, n);
		return 0;
	}
	if (!strcmp(cmd, "tty")) {
		printf("%s\n", isatty(0) ? "tty" : "notty");
		return 0;
	}
	if (!strcmp(cmd, "id")) {
		printf("%d %d\n", (int)getuid(), (int)getgid());
		return 0;
	}
	if (!strcmp(cmd, "pwd")) {
		char buf[4096];
		printf("%s\n", getcwd(buf, sizeof buf) ? buf : "?");
		return 0;
	}
	if (!strcmp(cmd, "getenv")) {
		const char *v = argc > 2 ? getenv(argv[2]) : NULL;
		printf("%s\n", v ? v : "");
		return 0;
	}
	if (!strcmp(cmd, "hostname")) {
		char buf[256] = "";
		gethostname(buf, sizeof buf);
		printf("%s\n", buf);
		return 0;
	}
	if (!strcmp(cmd, "read") && argc > 2) {
		int fd = open(argv[2], O_RDONLY);
		if (fd < 0) {
			printf("%s\n", strerror(errno));
			return 1;
		}
		char buf[4096];
		ssize_t n;
		while ((n = read(fd, buf, sizeof buf)) > 0)
			write(1, buf, n);
		if (n < 0)
			printf("%s\n", strerror(errno));
		close(fd);
		return n < 0;
	}
	if (!strcmp(cmd, "write") && argc > 3) {
		int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || write(fd, argv[3], strlen(argv[3])) < 0) {
			printf("%s\n", strerror(errno));
			return 1;
		}
		close(fd);
		printf("ok\n");
		return 0;
	}
	if (!strcmp(cmd, "chown") && argc > 3) {
		if (chown(argv[2], atoi(argv[3]), -1) < 0) {
			printf("%s\n", strerror(errno));
			return 1;
		}
		printf("ok\n");
		return 0;
	}
	if (!strcmp(cmd, "mkdir") && argc > 2) {
		if (mkdir(argv[2], 0755) < 0) {
			printf("%s\n", strerror(errno));
			return 1;
		}
		printf("ok\n");
		return 0;
	}
	fprintf(stderr, "ocitool: unknown command %s\n", cmd);
	return 2;
}
