/*
 * cache_stale DIR: maps DIR/f, checks its first page, unmaps it (the
 * sandbox keeps the unmapped file's pages), creates DIR/ready, waits for
 * DIR/go (the host changes f before making it), then maps f again and
 * prints what its first bytes now say, and what read(2) says.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int map_first(const char *path, char *out, int n)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	char *p = mmap(0, 8192, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -1;
	memcpy(out, p, n);
	munmap(p, 8192);
	return 0;
}

int main(int argc, char **argv)
{
	char f[512], ready[512], go[512], b[9] = { 0 };
	snprintf(f, sizeof(f), "%s/f", argv[1]);
	snprintf(ready, sizeof(ready), "%s/ready", argv[1]);
	snprintf(go, sizeof(go), "%s/go", argv[1]);
	if (map_first(f, b, 8) != 0 || strcmp(b, "original") != 0) {
		printf("first map: %s\n", b);
		return 1;
	}
	int fd = open(ready, O_CREAT | O_WRONLY, 0644);
	if (fd < 0)
		return 2;
	close(fd);
	struct stat st;
	for (int i = 0; stat(go, &st) != 0; i++) {
		if (i == 3000)
			return 3;
		usleep(10000);
	}
	if (map_first(f, b, 8) != 0)
		return 4;
	char r[9] = { 0 };
	fd = open(f, O_RDONLY);
	if (fd < 0 || read(fd, r, 8) != 8)
		return 5;
	printf("map %s read %s\n", b, r);
	return 0;
}
