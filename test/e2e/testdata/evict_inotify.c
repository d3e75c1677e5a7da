/*
 * Run in the sandbox on a host directory DIR holding DIR/f and
 * DIR/many/0 .. DIR/many/N-1: watch DIR/f with inotify, look up every
 * name of DIR/many (pushing DIR/f's dentry out of the dentry cache, were
 * the watch not holding it), then write to DIR/f by its path and check
 * that the watch reports it.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv) {
	if (argc != 3)
		return 2;
	char path[4096];
	snprintf(path, sizeof path, "%s/f", argv[1]);
	int in = inotify_init1(IN_NONBLOCK);
	int wd = inotify_add_watch(in, path, IN_MODIFY);
	if (in < 0 || wd < 0) {
		perror("inotify");
		return 1;
	}
	int n = atoi(argv[2]);
	struct stat st;
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof path, "%s/many/%d", argv[1], i);
		if (stat(path, &st) != 0) {
			perror(path);
			return 1;
		}
	}
	snprintf(path, sizeof path, "%s/f", argv[1]);
	int fd = open(path, O_WRONLY | O_APPEND);
	if (fd < 0 || write(fd, "x", 1) != 1) {
		perror("write");
		return 1;
	}
	close(fd);
	char buf[4096] __attribute__((aligned(8)));
	ssize_t got = read(in, buf, sizeof buf);
	for (ssize_t off = 0; off < got;) {
		struct inotify_event *e = (struct inotify_event *)(buf + off);
		if (e->wd == wd && (e->mask & IN_MODIFY)) {
			printf("notified\n");
			return 0;
		}
		off += sizeof(*e) + e->len;
	}
	printf("no event (read %zd)\n", got);
	return 1;
}
