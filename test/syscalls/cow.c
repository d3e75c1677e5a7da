//go:build ignore

/*
 * Copy-on-write after fork: the child's writes to private memory (heap,
 * stack, globals, anonymous and file mappings) are invisible to the parent
 * and the other way round; MAP_SHARED memory is shared.
 */
#include "testutil.h"
#include <fcntl.h>
#include <sys/mman.h>

#define PG 4096L

static int global = 100;
static char bss[3 * PG];

int main(void)
{
	int local = 200;
	volatile int *vlocal = &local;
	int *heap = malloc(sizeof(int) * 1024);
	ASSERT_NE(heap, NULL);
	heap[0] = 300;
	heap[1023] = 301;
	bss[PG] = 'b';
	char *anon = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(anon, MAP_FAILED);
	anon[0] = 'a';
	/* anon[PG] is never touched before fork: still a zero page. */
	char *shared = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(shared, MAP_FAILED);
	shared[0] = 's';
	int fd;
	ASSERT_OK(fd = open("/etc/passwd", O_RDONLY));
	char *file = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ASSERT_NE(file, MAP_FAILED);
	char orig = file[0];

	int go[2], done[2];
	ASSERT_OK(pipe(go));
	ASSERT_OK(pipe(done));
	pid_t pid = test_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		/* The child sees the values from before the fork. */
		CHECK_EQ(global, 100);
		CHECK_EQ(*vlocal, 200);
		CHECK_EQ(heap[0], 300);
		CHECK_EQ(bss[PG], 'b');
		CHECK_EQ(anon[0], 'a');
		CHECK_EQ(anon[PG], 0);
		CHECK_EQ(shared[0], 's');
		/* The child writes everything. */
		global = 1;
		*vlocal = 2;
		heap[0] = 3;
		heap[1023] = 4;
		bss[PG] = 'B';
		anon[0] = 'A';
		anon[PG] = 'Z';
		shared[0] = 'S';
		file[0] = orig ^ 1;
		CHECK_EQ(global, 1);
		CHECK_EQ(*vlocal, 2);
		CHECK_EQ(heap[0], 3);
		CHECK_EQ(anon[PG], 'Z');
		CHECK_EQ(file[0], orig ^ 1);
		/* Tell the parent, then wait for its writes. */
		CHECK_EQ(write(done[1], "w", 1), 1);
		char c;
		CHECK_EQ(read(go[0], &c, 1), 1);
		/* The parent's writes are invisible here except in shared memory. */
		CHECK_EQ(global, 1);
		CHECK_EQ(heap[0], 3);
		CHECK_EQ(anon[0], 'A');
		CHECK_EQ(shared[0], 'P');
		child_exit();
	}
	char c;
	CHECK_EQ(read(done[0], &c, 1), 1);
	/* The parent still has its own values. */
	CHECK_EQ(global, 100);
	CHECK_EQ(*vlocal, 200);
	CHECK_EQ(heap[0], 300);
	CHECK_EQ(heap[1023], 301);
	CHECK_EQ(bss[PG], 'b');
	CHECK_EQ(anon[0], 'a');
	CHECK_EQ(anon[PG], 0);
	CHECK_EQ(file[0], orig);
	/* ...but shared memory shows the child's write. */
	CHECK_EQ(shared[0], 'S');
	/* Now the parent writes. */
	global = 5;
	heap[0] = 6;
	anon[0] = 'p';
	shared[0] = 'P';
	CHECK_EQ(write(go[1], "g", 1), 1);
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	CHECK_EQ(global, 5);
	CHECK_EQ(heap[0], 6);
	CHECK_EQ(anon[0], 'p');
	CHECK_EQ(shared[0], 'P');

	/* Many pages written by the child: the parent's copy is untouched. */
	long n = 64 * PG;
	char *big = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(big, MAP_FAILED);
	for (long i = 0; i < n; i += 512)
		big[i] = (char)(i / 512);
	pid = test_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		long bad = 0;
		for (long i = 0; i < n; i += 512)
			bad += big[i] != (char)(i / 512);
		CHECK_EQ(bad, 0);
		memset(big, 0xee, n);
		child_exit();
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	long bad = 0;
	for (long i = 0; i < n; i += 512)
		bad += big[i] != (char)(i / 512);
	CHECK_EQ(bad, 0);

	/* A grandchild also gets its own copy. */
	pid = test_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		global = 7;
		pid_t g = test_fork();
		if (g == 0) {
			CHECK_EQ(global, 7);
			global = 8;
			child_exit();
		}
		int st;
		CHECK_EQ(waitpid(g, &st, 0), g);
		CHECK_CHILD_OK(st);
		CHECK_EQ(global, 7);
		child_exit();
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_CHILD_OK(status);
	CHECK_EQ(global, 5);
	close(fd);
	return test_done();
}
