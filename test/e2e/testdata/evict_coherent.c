/*
 * Run in the sandbox on a host directory DIR holding DIR/f (one page)
 * and DIR/many/0 .. DIR/many/N-1: map DIR/f shared and close it, look up
 * every name of DIR/many (pushing DIR/f's dentry out of the dentry
 * cache), then open DIR/f again and check that the new fd and the old
 * mapping are one file: stores through either are seen by the other.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv) {
	if (argc != 3)
		return 2;
	char path[4096];
	snprintf(path, sizeof path, "%s/f", argv[1]);
	int fd = open(path, O_RDWR);
	if (fd < 0) {
		perror("open");
		return 1;
	}
	char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	close(fd);
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
	fd = open(path, O_RDWR);
	if (fd < 0) {
		perror("reopen");
		return 1;
	}
	memcpy(m, "via-map", 7);
	char buf[8] = {0};
	if (pread(fd, buf, 7, 0) != 7 || memcmp(buf, "via-map", 7) != 0) {
		fprintf(stderr, "read after a store through the mapping: %.7s\n", buf);
		return 1;
	}
	if (pwrite(fd, "via-fd", 6, 100) != 6 || memcmp(m + 100, "via-fd", 6) != 0) {
		fprintf(stderr, "mapping after write(2): %.6s\n", m + 100);
		return 1;
	}
	puts("coherent");
	return 0;
}
