//go:build ignore

/*
 * arch_prctl: ARCH_GET_FS is the TLS pointer (the thread control block
 * starts with a pointer to itself, readable as %fs:0); ARCH_SET_FS moves
 * %fs and ARCH_GET_GS/SET_GS work; each thread has its own FS; errors.
 * Built static too (static binaries set up TLS themselves).
 */
#include "testutil.h"
#include <asm/prctl.h>
#include <pthread.h>

static __thread int tls_var = 17;

/* Raw syscalls in inline assembly, so nothing touches TLS (errno) while
 * %fs points elsewhere. */
static long arch_prctl_raw(long code, unsigned long addr)
{
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "0"((long)SYS_arch_prctl), "D"(code), "S"(addr)
			 : "rcx", "r11", "memory");
	return ret;
}

static uintptr_t read_fs0(void)
{
	uintptr_t v;
	__asm__ volatile("mov %%fs:0, %0" : "=r"(v));
	return v;
}

static uintptr_t read_fs8(void)
{
	uintptr_t v;
	__asm__ volatile("mov %%fs:8, %0" : "=r"(v));
	return v;
}

static uintptr_t read_gs0(void)
{
	uintptr_t v;
	__asm__ volatile("mov %%gs:0, %0" : "=r"(v));
	return v;
}

static uintptr_t thread_fs, thread_fs0;
static int *thread_tls_addr;

static void *thread(void *arg)
{
	(void)arg;
	unsigned long fs = 0;
	arch_prctl_raw(ARCH_GET_FS, (unsigned long)&fs);
	thread_fs = fs;
	thread_fs0 = read_fs0();
	thread_tls_addr = &tls_var;
	return NULL;
}

int main(void)
{
	unsigned long fs = 0, gs = 1;

	/* ARCH_GET_FS: the TCB address, which is also what %fs:0 holds. */
	CHECK_EQ(arch_prctl_raw(ARCH_GET_FS, (unsigned long)&fs), 0);
	CHECK_NE(fs, 0);
	CHECK_EQ(read_fs0(), fs);
	CHECK_EQ((uintptr_t)pthread_self(), fs);
	/* TLS variables live just below the TCB (variant II). */
	CHECK_LT((uintptr_t)&tls_var, fs);
	CHECK_GT((uintptr_t)&tls_var, fs - 65536);
	CHECK_EQ(tls_var, 17);
	/* The libc-free raw call agrees with syscall(). */
	unsigned long fs2 = 0;
	CHECK_EQ(RAW(SYS_arch_prctl, ARCH_GET_FS, &fs2), 0);
	CHECK_EQ(fs2, fs);

	/* ARCH_SET_FS to our own block, read through %fs, then back. */
	static uintptr_t block[4];
	block[0] = (uintptr_t)block;
	block[1] = 0x1122334455667788UL;
	long r1 = arch_prctl_raw(ARCH_SET_FS, (unsigned long)block);
	uintptr_t v0 = read_fs0(), v1 = read_fs8();
	unsigned long now = 0;
	long r2 = arch_prctl_raw(ARCH_GET_FS, (unsigned long)&now);
	long r3 = arch_prctl_raw(ARCH_SET_FS, fs);
	/* TLS is usable again from here. */
	CHECK_EQ(r1, 0);
	CHECK_EQ(r2, 0);
	CHECK_EQ(r3, 0);
	CHECK_EQ(v0, (uintptr_t)block);
	CHECK_EQ(v1, 0x1122334455667788UL);
	CHECK_EQ(now, (uintptr_t)block);
	CHECK_EQ(read_fs0(), fs);
	CHECK_EQ(tls_var, 17);

	/* GS: 0 at start on x86_64 Linux; set, read %gs:0, and reset. */
	CHECK_EQ(arch_prctl_raw(ARCH_GET_GS, (unsigned long)&gs), 0);
	CHECK_EQ(gs, 0);
	static uintptr_t gblock[2] = { 0xabcdef, 0 };
	CHECK_EQ(arch_prctl_raw(ARCH_SET_GS, (unsigned long)gblock), 0);
	CHECK_EQ(read_gs0(), 0xabcdef);
	CHECK_EQ(arch_prctl_raw(ARCH_GET_GS, (unsigned long)&gs), 0);
	CHECK_EQ(gs, (uintptr_t)gblock);
	CHECK_EQ(arch_prctl_raw(ARCH_SET_GS, 0), 0);

	/* Each thread has its own FS, whose %fs:0 is itself, and its own TLS. */
	pthread_t t;
	ASSERT_EQ(pthread_create(&t, NULL, thread, NULL), 0);
	CHECK_EQ(pthread_join(t, NULL), 0);
	CHECK_NE(thread_fs, 0);
	CHECK_NE(thread_fs, fs);
	CHECK_EQ(thread_fs0, thread_fs);
	CHECK_EQ((uintptr_t)t, thread_fs);
	CHECK_NE(thread_tls_addr, &tls_var);

	/* A forked child inherits FS. */
	pid_t pid = test_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		unsigned long cfs = 0;
		CHECK_EQ(arch_prctl_raw(ARCH_GET_FS, (unsigned long)&cfs), 0);
		CHECK_EQ(cfs, fs);
		CHECK_EQ(tls_var, 17);
		child_exit();
	}
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);

	/* Errors: an unknown code is EINVAL; a non-canonical or kernel address
	 * for SET_FS is EPERM; a bad pointer for GET_FS is EFAULT. */
	CHECK_EQ(arch_prctl_raw(0x9999, 0), -EINVAL);
	CHECK_EQ(arch_prctl_raw(ARCH_SET_FS, 0xffff800000000000UL), -EPERM);
	CHECK_EQ(arch_prctl_raw(ARCH_SET_GS, 0x8000000000000000UL), -EPERM);
	CHECK_EQ(arch_prctl_raw(ARCH_GET_FS, 8), -EFAULT);
	CHECK_EQ(read_fs0(), fs);
	return test_done();
}
