//go:build ignore

/*
 * process_vm_readv and process_vm_writev, which debuggers, profilers
 * and MPI's single-copy transport use: copies between the caller's
 * memory and another process's, gathered and scattered across iovecs;
 * a copy stops where the other side's memory ends (a partial count, or
 * EFAULT for none) and does not write read-only memory; bad arguments,
 * a missing process and a process the caller may not trace are errors.
 */
#include "testutil.h"
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>

#define PG 4096

struct shared {
	char *rw, *ro, *hole;
};

int main(void)
{
	int ready[2], done[2];
	ASSERT_OK(pipe(ready));
	ASSERT_OK(pipe(done));
	pid_t c = test_fork();
	if (c == 0) {
		struct shared s;
		s.rw = mmap(0, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		s.ro = mmap(0, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (s.rw == MAP_FAILED || s.ro == MAP_FAILED)
			_exit(2);
		for (int i = 0; i < PG; i++)
			s.rw[i] = 'a' + i % 26;
		s.hole = s.rw + 2 * PG;
		munmap(s.hole, PG);
		if (write(ready[1], &s, sizeof(s)) != sizeof(s))
			_exit(3);
		char ch;
		if (read(done[0], &ch, 1) != 1)
			_exit(4);
		/* The parent wrote "HELLO" at rw+100. */
		CHECK_MEMEQ(s.rw + 100, "HELLO", 5);
		CHECK_EQ(s.rw[105], 'a' + 105 % 26);
		child_exit();
	}
	struct shared s;
	ASSERT_EQ(read(ready[0], &s, sizeof(s)), (ssize_t)sizeof(s));

	/* A read gathered from two remote pieces into three local ones. */
	char a[4], b[6], d[16];
	memset(d, 0, sizeof(d));
	struct iovec l[3] = { { a, 4 }, { b, 6 }, { d, 16 } };
	struct iovec r[2] = { { s.rw, 8 }, { s.rw + 26, 4 } };
	CHECK_EQ(process_vm_readv(c, l, 3, r, 2, 0), 12);
	CHECK_MEMEQ(a, "abcd", 4);
	CHECK_MEMEQ(b, "efghab", 6);
	CHECK_MEMEQ(d, "cd", 2);
	CHECK_EQ(d[2], 0);

	/* Up to where the remote memory ends, then nothing. */
	static char big[2 * PG];
	struct iovec lb = { big, sizeof(big) };
	struct iovec edge = { s.rw + 2 * PG - 100, 300 };
	CHECK_EQ(process_vm_readv(c, &lb, 1, &edge, 1, 0), 100);
	struct iovec two[2] = { { s.rw, 10 }, { s.hole, 10 } };
	CHECK_EQ(process_vm_readv(c, &lb, 1, two, 2, 0), 10);
	struct iovec gone = { s.hole, 10 };
	CHECK_ERRNO(process_vm_readv(c, &lb, 1, &gone, 1, 0), -1, EFAULT);
	/* ... and where the local memory ends. */
	struct iovec badl = { (void *)8, 10 }, first = { s.rw, 10 };
	CHECK_ERRNO(process_vm_readv(c, &badl, 1, &first, 1, 0), -1, EFAULT);

	/* Writes, not to read-only memory. */
	struct iovec w = { "HELLO", 5 }, at = { s.rw + 100, 5 }, ro = { s.ro, 5 };
	CHECK_ERRNO(process_vm_writev(c, &w, 1, &ro, 1, 0), -1, EFAULT);
	CHECK_EQ(process_vm_writev(c, &w, 1, &at, 1, 0), 5);

	/* Arguments. */
	CHECK_ERRNO(process_vm_readv(c, l, 3, r, 2, 1), -1, EINVAL);
	CHECK_ERRNO(process_vm_readv(c, l, 1025, r, 2, 0), -1, EINVAL);
	CHECK_ERRNO(process_vm_readv(c, (void *)8, 1, r, 2, 0), -1, EFAULT);
	CHECK_EQ(process_vm_readv(c, l, 0, r, 2, 0), 0);
	CHECK_EQ(process_vm_readv(c, l, 3, r, 0, 0), 0);

	/* A process that may not be traced: another user's (as root, a
	 * child that became nobody). */
	if (geteuid() == 0) {
		pid_t n = test_fork();
		if (n == 0) {
			CHECK_OK(setresgid(65534, 65534, 65534));
			CHECK_OK(setresuid(65534, 65534, 65534));
			CHECK_ERRNO(process_vm_readv(c, l, 3, r, 2, 0), -1, EPERM);
			child_exit();
		}
		int st;
		CHECK_EQ(waitpid(n, &st, 0), n);
		CHECK_CHILD_OK(st);
	}

	CHECK_EQ(write(done[1], "x", 1), 1);
	int st;
	CHECK_EQ(waitpid(c, &st, 0), c);
	CHECK_CHILD_OK(st);
	/* Gone. */
	CHECK_ERRNO(process_vm_readv(c, l, 3, r, 2, 0), -1, ESRCH);
	return test_done();
}
