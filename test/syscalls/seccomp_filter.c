//go:build ignore

/*
 * seccomp_filter: SECCOMP_SET_MODE_FILTER through seccomp(2) and prctl.
 * Every filter is installed in a forked child (filters cannot be
 * removed) and acts on getppid only, letting everything else through.
 * Covers: no_new_privs (prctl get/set, EACCES without it), argument
 * errors, SECCOMP_GET_ACTION_AVAIL and GET_NOTIF_SIZES, each action
 * (ERRNO with its cap, TRAP with the SIGSYS siginfo and registers,
 * KILL_PROCESS, KILL_THREAD for one thread of several, TRACE and
 * USER_NOTIF without a tracer or listener, LOG, ALLOW), argument and
 * arch checks, precedence of stacked filters, inheritance by fork,
 * threads and execve, TSYNC, the 32768-instruction total, division by
 * zero at run time.
 */
#include "testutil.h"
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <ucontext.h>

#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif

#define NR_OFF offsetof(struct seccomp_data, nr)
#define ARCH_OFF offsetof(struct seccomp_data, arch)
#define IP_OFF offsetof(struct seccomp_data, instruction_pointer)
#define ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i))
#define ARG_HI(i) (offsetof(struct seccomp_data, args) + 8 * (i) + 4)

static long sys_seccomp(unsigned op, unsigned flags, void *args)
{
	return syscall(SYS_seccomp, op, flags, args);
}

static long install_flags(struct sock_filter *f, unsigned short n, unsigned flags)
{
	struct sock_fprog p = { .len = n, .filter = f };
	return sys_seccomp(SECCOMP_SET_MODE_FILTER, flags, &p);
}
#define INSTALL(f, flags) install_flags((f), sizeof(f) / sizeof((f)[0]), (flags))

/* A filter returning act for getppid and ALLOW for everything else. */
static long on_getppid(unsigned act, unsigned flags)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR_OFF),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, act),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	return INSTALL(f, flags);
}

static void nnp(void)
{
	ASSERT_EQ(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
}

/* run forks fn in a child with no core dumps and returns its status. */
static int run(void (*fn)(void))
{
	pid_t pid = test_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct rlimit rl = { 0, 0 };
		setrlimit(RLIMIT_CORE, &rl);
		fn();
		child_exit();
	}
	int st;
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	return st;
}

static pid_t parent;

/* getppid_errno: -1 with the errno of a failed getppid, 0 on success. */
static int getppid_errno(void)
{
	errno = 0;
	long r = syscall(SYS_getppid);
	if (r == -1)
		return errno;
	return r == parent ? 0 : -2;
}

/* --- no_new_privs and argument errors, in a child. --- */

static void t_nnp_and_errors(void)
{
	CHECK_ERRNO(prctl(PR_SET_NO_NEW_PRIVS, 2, 0, 0, 0), -1, EINVAL);
	CHECK_ERRNO(prctl(PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0), -1, EINVAL);
	CHECK_ERRNO(prctl(PR_GET_NO_NEW_PRIVS, 1, 0, 0, 0), -1, EINVAL);
	CHECK_EQ(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
	CHECK_EQ(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 1);
	CHECK_EQ(prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 0);

	struct sock_filter ok[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
	struct sock_fprog prog = { .len = 1, .filter = ok };
	/* Unknown op and flags. */
	CHECK_ERRNO(sys_seccomp(99, 0, &prog), -1, EINVAL);
	CHECK_ERRNO(sys_seccomp(SECCOMP_SET_MODE_FILTER, 1U << 10, &prog), -1, EINVAL);
	/* TSYNC with NEW_LISTENER needs TSYNC_ESRCH. */
	CHECK_ERRNO(sys_seccomp(SECCOMP_SET_MODE_FILTER,
				SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog),
		    -1, EINVAL);
	/* Flags are checked before the program is read: this is how
	 * libseccomp probes for a flag. */
	CHECK_ERRNO(sys_seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, NULL), -1, EFAULT);
	CHECK_ERRNO(sys_seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_LOG, NULL), -1, EFAULT);
	CHECK_ERRNO(sys_seccomp(SECCOMP_SET_MODE_FILTER, 0, NULL), -1, EFAULT);
	CHECK_ERRNO(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, NULL, 0, 0), -1, EFAULT);
	CHECK_ERRNO(prctl(PR_SET_SECCOMP, 3, &prog, 0, 0), -1, EINVAL);
	/* Lengths 0 and 4097. */
	struct sock_fprog bad = { .len = 0, .filter = ok };
	CHECK_ERRNO(sys_seccomp(SECCOMP_SET_MODE_FILTER, 0, &bad), -1, EINVAL);
	bad.len = BPF_MAXINSNS + 1;
	CHECK_ERRNO(sys_seccomp(SECCOMP_SET_MODE_FILTER, 0, &bad), -1, EINVAL);
	/* An unreadable program. */
	bad.len = 1;
	bad.filter = (struct sock_filter *)8;
	CHECK_ERRNO(sys_seccomp(SECCOMP_SET_MODE_FILTER, 0, &bad), -1, EFAULT);
	/* Programs the checker refuses. */
	struct sock_filter unaligned[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 2),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	CHECK_ERRNO(INSTALL(unaligned, 0), -1, EINVAL);
	struct sock_filter beyond[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, sizeof(struct seccomp_data)),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	CHECK_ERRNO(INSTALL(beyond, 0), -1, EINVAL);
	struct sock_filter byte_load[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	CHECK_ERRNO(INSTALL(byte_load, 0), -1, EINVAL);
	struct sock_filter no_ret[] = { BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0) };
	CHECK_ERRNO(INSTALL(no_ret, 0), -1, EINVAL);
	struct sock_filter div0[] = {
		BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	CHECK_ERRNO(INSTALL(div0, 0), -1, EINVAL);
	struct sock_filter far[] = {
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	CHECK_ERRNO(INSTALL(far, 0), -1, EINVAL);
	struct sock_filter mem[] = {
		BPF_STMT(BPF_LD | BPF_MEM, 0),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	CHECK_ERRNO(INSTALL(mem, 0), -1, EINVAL);
	struct sock_filter retx[] = { BPF_STMT(BPF_RET | BPF_X, 0) };
	CHECK_ERRNO(INSTALL(retx, 0), -1, EINVAL);
	/* None of that installed anything. */
	CHECK_EQ(prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 0);
}

/* Without no_new_privs and without CAP_SYS_ADMIN: EACCES. */
static void t_eacces(void)
{
	if (geteuid() == 0)
		ASSERT_EQ(setresuid(65534, 65534, 65534), 0);
	struct sock_filter ok[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
	CHECK_ERRNO(INSTALL(ok, 0), -1, EACCES);
	CHECK_ERRNO(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &(struct sock_fprog){ 1, ok }, 0, 0),
		    -1, EACCES);
	/* The length is checked first. */
	struct sock_fprog empty = { 0, ok };
	CHECK_ERRNO(sys_seccomp(SECCOMP_SET_MODE_FILTER, 0, &empty), -1, EINVAL);
	nnp();
	CHECK_EQ(INSTALL(ok, 0), 0);
	CHECK_EQ(prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 2);
}

static void t_queries(void)
{
	static const unsigned avail[] = {
		SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_KILL_THREAD, SECCOMP_RET_TRAP,
		SECCOMP_RET_ERRNO, SECCOMP_RET_USER_NOTIF, SECCOMP_RET_TRACE,
		SECCOMP_RET_LOG, SECCOMP_RET_ALLOW,
	};
	for (size_t i = 0; i < sizeof(avail) / sizeof(avail[0]); i++) {
		unsigned a = avail[i];
		CHECK_EQ(sys_seccomp(SECCOMP_GET_ACTION_AVAIL, 0, &a), 0);
	}
	unsigned a = SECCOMP_RET_ERRNO | 1;
	CHECK_ERRNO(sys_seccomp(SECCOMP_GET_ACTION_AVAIL, 0, &a), -1, EOPNOTSUPP);
	a = 0x00010000;
	CHECK_ERRNO(sys_seccomp(SECCOMP_GET_ACTION_AVAIL, 0, &a), -1, EOPNOTSUPP);
	a = SECCOMP_RET_ALLOW;
	CHECK_ERRNO(sys_seccomp(SECCOMP_GET_ACTION_AVAIL, 1, &a), -1, EINVAL);
	CHECK_ERRNO(sys_seccomp(SECCOMP_GET_ACTION_AVAIL, 0, NULL), -1, EFAULT);

	struct seccomp_notif_sizes sz;
	memset(&sz, 0xff, sizeof(sz));
	CHECK_EQ(sys_seccomp(SECCOMP_GET_NOTIF_SIZES, 0, &sz), 0);
	CHECK_EQ(sz.seccomp_notif, 80);
	CHECK_EQ(sz.seccomp_notif_resp, 24);
	CHECK_EQ(sz.seccomp_data, 64);
	CHECK_ERRNO(sys_seccomp(SECCOMP_GET_NOTIF_SIZES, 1, &sz), -1, EINVAL);
	CHECK_ERRNO(sys_seccomp(SECCOMP_GET_NOTIF_SIZES, 0, NULL), -1, EFAULT);
	/* Strict mode takes no flags and no argument. */
	CHECK_ERRNO(sys_seccomp(SECCOMP_SET_MODE_STRICT, 1, NULL), -1, EINVAL);
	CHECK_ERRNO(sys_seccomp(SECCOMP_SET_MODE_STRICT, 0, &a), -1, EINVAL);
}

/* --- Actions. --- */

static void t_errno(void)
{
	nnp();
	CHECK_EQ(getppid_errno(), 0);
	CHECK_EQ(on_getppid(SECCOMP_RET_ERRNO | E2BIG, 0), 0);
	CHECK_EQ(prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 2);
	CHECK_EQ(getppid_errno(), E2BIG);
	/* Other calls still work. */
	CHECK_EQ(getpid() > 0, 1);
	/* A newer filter with the same action wins. */
	CHECK_EQ(on_getppid(SECCOMP_RET_ERRNO | ENOENT, 0), 0);
	CHECK_EQ(getppid_errno(), ENOENT);
	/* LOG, ALLOW and TRACE are weaker than ERRNO. */
	CHECK_EQ(on_getppid(SECCOMP_RET_LOG, 0), 0);
	CHECK_EQ(on_getppid(SECCOMP_RET_ALLOW, SECCOMP_FILTER_FLAG_LOG), 0);
	CHECK_EQ(on_getppid(SECCOMP_RET_TRACE | 5, 0), 0);
	CHECK_EQ(on_getppid(SECCOMP_RET_USER_NOTIF, 0), 0);
	CHECK_EQ(getppid_errno(), ENOENT);
	/* The data is capped at MAX_ERRNO. */
	CHECK_EQ(on_getppid(SECCOMP_RET_ERRNO | 0xffff, 0), 0);
	CHECK_EQ(getppid_errno(), 4095);
}

static void t_errno_zero(void)
{
	nnp();
	/* ERRNO(0): the call does not run and returns 0. */
	CHECK_EQ(on_getppid(SECCOMP_RET_ERRNO | 0, 0), 0);
	errno = 0;
	CHECK_EQ(syscall(SYS_getppid), 0);
	CHECK_EQ(errno, 0);
}

static void t_trace_notif_log(void)
{
	nnp();
	/* TRACE with no tracer fails with ENOSYS. */
	CHECK_EQ(on_getppid(SECCOMP_RET_LOG, 0), 0);
	CHECK_EQ(getppid_errno(), 0);
	CHECK_EQ(on_getppid(SECCOMP_RET_TRACE | 1, 0), 0);
	CHECK_EQ(getppid_errno(), ENOSYS);
	pid_t pid = test_fork();
	if (pid == 0) {
		/* USER_NOTIF with no listener: ENOSYS too. */
		CHECK_EQ(on_getppid(SECCOMP_RET_USER_NOTIF, 0), 0);
		CHECK_EQ(getppid_errno(), ENOSYS);
		child_exit();
	}
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
}

/* TRAP: SIGSYS with the call's details; the handler sees rax rolled back
 * to the syscall number and can set the return value. */
extern char moat_after_syscall[];
__attribute__((noinline, noclone)) static long getppid_at_label(void)
{
	long ret;
	__asm__ volatile("syscall\n"
			 ".globl moat_after_syscall\n"
			 "moat_after_syscall:\n"
			 : "=a"(ret)
			 : "0"((long)SYS_getppid), "D"(0x1111L), "S"(0x2222L)
			 : "rcx", "r11", "memory");
	return ret;
}

static volatile int trap_count, trap_signo, trap_code, trap_errno, trap_syscall;
static volatile unsigned trap_arch;
static void *volatile trap_addr;
static volatile long trap_rax, trap_rdi, trap_rip, set_rax;

static void on_sigsys(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	trap_count++;
	trap_signo = sig;
	trap_code = si->si_code;
	trap_errno = si->si_errno;
	trap_addr = si->si_call_addr;
	trap_syscall = si->si_syscall;
	trap_arch = si->si_arch;
	trap_rax = uc->uc_mcontext.gregs[REG_RAX];
	trap_rdi = uc->uc_mcontext.gregs[REG_RDI];
	trap_rip = uc->uc_mcontext.gregs[REG_RIP];
	if (set_rax)
		uc->uc_mcontext.gregs[REG_RAX] = set_rax;
}

static void t_trap(void)
{
	nnp();
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	ASSERT_EQ(sigaction(SIGSYS, &sa, NULL), 0);
	CHECK_EQ(on_getppid(SECCOMP_RET_ERRNO | EPERM, 0), 0);
	CHECK_EQ(on_getppid(SECCOMP_RET_TRAP | 0x123, 0), 0);
	long r = getppid_at_label();
	CHECK_EQ(trap_count, 1);
	CHECK_EQ(trap_signo, SIGSYS);
	CHECK_EQ(trap_code, 1); /* SYS_SECCOMP */
	CHECK_EQ(trap_errno, 0x123);
	CHECK_EQ(trap_syscall, SYS_getppid);
	CHECK_EQ(trap_arch, AUDIT_ARCH_X86_64);
	CHECK_EQ(trap_addr, (void *)moat_after_syscall);
	CHECK_EQ(trap_rip, (long)moat_after_syscall);
	CHECK_EQ(trap_rax, SYS_getppid);
	CHECK_EQ(trap_rdi, 0x1111);
	/* Left alone, the call "returns" its own number. */
	CHECK_EQ(r, SYS_getppid);
	/* The handler decides the result. */
	set_rax = 777;
	CHECK_EQ(getppid_at_label(), 777);
	CHECK_EQ(trap_count, 2);
}

/* TRAP with SIGSYS blocked: the signal is forced and kills. */
static void t_trap_blocked(void)
{
	nnp();
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGSYS);
	sigprocmask(SIG_BLOCK, &set, NULL);
	on_getppid(SECCOMP_RET_TRAP, 0);
	syscall(SYS_getppid);
	FAIL("still alive after a trapped call with SIGSYS blocked");
}

/* TRAP with SIGSYS ignored: the same. */
static void t_trap_ignored(void)
{
	nnp();
	signal(SIGSYS, SIG_IGN);
	on_getppid(SECCOMP_RET_TRAP, 0);
	syscall(SYS_getppid);
	FAIL("still alive after a trapped call with SIGSYS ignored");
}

static void t_kill_process(void)
{
	nnp();
	on_getppid(SECCOMP_RET_KILL_PROCESS, 0);
	syscall(SYS_getppid);
	FAIL("still alive after KILL_PROCESS");
}

/* An action Linux does not know kills the process too. */
static void t_unknown_action(void)
{
	nnp();
	on_getppid(0x00010000, 0);
	syscall(SYS_getppid);
	FAIL("still alive after an unknown action");
}

/* KILL_PROCESS beats TRAP beats ERRNO; a SIGSYS handler does not help. */
static void t_kill_beats_trap(void)
{
	nnp();
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSYS, &sa, NULL);
	on_getppid(SECCOMP_RET_KILL_PROCESS, 0);
	on_getppid(SECCOMP_RET_TRAP, 0);
	on_getppid(SECCOMP_RET_ERRNO | 1, 0);
	syscall(SYS_getppid);
	FAIL("still alive after KILL_PROCESS under TRAP");
}

static void t_kill_thread_alone(void)
{
	nnp();
	on_getppid(SECCOMP_RET_KILL_THREAD, 0);
	syscall(SYS_getppid);
	FAIL("still alive after KILL_THREAD");
}

/* KILL_THREAD in one thread of two: only that thread dies. */
static void *kill_me(void *arg)
{
	(void)arg;
	syscall(SYS_getppid);
	return (void *)1;
}

static void t_kill_thread_of_two(void)
{
	nnp();
	on_getppid(SECCOMP_RET_KILL_THREAD, 0);
	pthread_t th;
	ASSERT_EQ(pthread_create(&th, NULL, kill_me, NULL), 0);
	void *ret = NULL;
	CHECK_EQ(pthread_join(th, &ret), 0);
	CHECK_EQ((long)ret, 0); /* never returned normally */
	CHECK_EQ(getpid() > 0, 1);
}

/* Division by a zero X at run time returns 0: KILL_THREAD. */
static void t_div_zero(void)
{
	nnp();
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR_OFF),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_IMM, 10),
		BPF_STMT(BPF_LDX | BPF_IMM, 0),
		BPF_STMT(BPF_ALU | BPF_DIV | BPF_X, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	CHECK_EQ(INSTALL(f, 0), 0);
	syscall(SYS_getppid);
	FAIL("still alive after a division by zero");
}

/* --- What filters see. --- */

static void t_args(void)
{
	nnp();
	/* getppid is allowed if arg0 == 5 (all 64 bits) and
	 * (arg1 & 0xf0) == 0x30; else ERRNO(EDOM). */
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR_OFF),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_HI(0)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 6),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 5, 0, 4),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1)),
		BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xf0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x30, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EDOM),
	};
	CHECK_EQ(INSTALL(f, 0), 0);
	CHECK_EQ(syscall(SYS_getppid, 5, 0x37), parent);
	CHECK_ERRNO(syscall(SYS_getppid, 5, 0x47), -1, EDOM);
	CHECK_ERRNO(syscall(SYS_getppid, 6, 0x37), -1, EDOM);
	CHECK_ERRNO(syscall(SYS_getppid, 0x100000005L, 0x37), -1, EDOM);
	CHECK_ERRNO(syscall(SYS_getppid), -1, EDOM);
}

static void t_data(void)
{
	nnp();
	/* ERRNO(1) if arch is x86_64, the instruction pointer is not 0 and
	 * the packet length is sizeof(seccomp_data); else ERRNO(2). Then
	 * args 2..5 summed into the errno of another probe. */
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR_OFF),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 10),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARCH_OFF),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 7),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, IP_OFF),
		BPF_STMT(BPF_LDX | BPF_W | BPF_ABS, IP_OFF + 4), /* invalid: see below */
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 2),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 2),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 2),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 2),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 2),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 2),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 3),
	};
	/* BPF_LDX | BPF_ABS is not allowed. */
	CHECK_ERRNO(INSTALL(f, 0), -1, EINVAL);

	struct sock_filter g[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR_OFF),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 11),
		/* probe 1: arch, ip, len */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARCH_OFF),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 7),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, IP_OFF),
		BPF_STMT(BPF_MISC | BPF_TAX, 0),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, IP_OFF + 4),
		BPF_STMT(BPF_ALU | BPF_OR | BPF_X, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 2, 0),
		BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, sizeof(struct seccomp_data), 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 2),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1),
		/* probe 2: sum of the low halves of args 1..5, and the
		 * high half of arg 5, through scratch memory. */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1)),
		BPF_STMT(BPF_ST, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(2)),
		BPF_STMT(BPF_LDX | BPF_MEM, 3),
		BPF_STMT(BPF_ALU | BPF_ADD | BPF_X, 0),
		BPF_STMT(BPF_ST, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(3)),
		BPF_STMT(BPF_LDX | BPF_MEM, 3),
		BPF_STMT(BPF_ALU | BPF_ADD | BPF_X, 0),
		BPF_STMT(BPF_MISC | BPF_TAX, 0),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(4)),
		BPF_STMT(BPF_ALU | BPF_ADD | BPF_X, 0),
		BPF_STMT(BPF_MISC | BPF_TAX, 0),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(5)),
		BPF_STMT(BPF_ALU | BPF_ADD | BPF_X, 0),
		BPF_STMT(BPF_MISC | BPF_TAX, 0),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_HI(5)),
		BPF_STMT(BPF_ALU | BPF_ADD | BPF_X, 0),
		BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xfff),
		BPF_STMT(BPF_ALU | BPF_OR | BPF_K, SECCOMP_RET_ERRNO),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	/* The jump from instruction 4 skips probe 1 (11 instructions). */
	CHECK_EQ(INSTALL(g, 0), 0);
	CHECK_ERRNO(syscall(SYS_getppid, 1), -1, 1);
	CHECK_ERRNO(syscall(SYS_getppid, 2, 10, 20, 30, 40, 0x700000050L), -1, 10 + 20 + 30 + 40 + 0x50 + 7);
}

/* --- Inheritance. --- */

static void *getppid_in_thread(void *arg)
{
	(void)arg;
	return (void *)(long)getppid_errno();
}

static const char *self_path;

static void t_inherit(void)
{
	nnp();
	CHECK_EQ(on_getppid(SECCOMP_RET_ERRNO | EXDEV, 0), 0);
	/* Threads created afterwards have it. */
	pthread_t th;
	ASSERT_EQ(pthread_create(&th, NULL, getppid_in_thread, NULL), 0);
	void *ret;
	CHECK_EQ(pthread_join(th, &ret), 0);
	CHECK_EQ((long)ret, EXDEV);
	/* So do children, and no_new_privs goes with it. */
	pid_t me = getpid();
	pid_t pid = test_fork();
	if (pid == 0) {
		parent = me;
		CHECK_EQ(getppid_errno(), EXDEV);
		CHECK_EQ(prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 2);
		CHECK_EQ(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 1);
		/* Strict mode is refused in filter mode. */
		CHECK_ERRNO(sys_seccomp(SECCOMP_SET_MODE_STRICT, 0, NULL), -1, EINVAL);
		CHECK_ERRNO(prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0), -1, EINVAL);
		child_exit();
	}
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
	/* And execve keeps it. */
	pid = test_fork();
	if (pid == 0) {
		char *argv[] = { (char *)self_path, "exec-check", NULL };
		char *envp[] = { NULL };
		execve(self_path, argv, envp);
		FAIL("execve %s: errno %d", self_path, errno);
		child_exit();
	}
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_CHILD_OK(st);
}

static int exec_check(void)
{
	CHECK_ERRNO(syscall(SYS_getppid), -1, EXDEV);
	CHECK_EQ(prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 2);
	CHECK_EQ(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 1);
	return tu_failures ? 1 : 0;
}

/* --- TSYNC. --- */

static int go_pipe[2], ready_pipe[2];
static volatile pid_t worker_tid;

static void *tsync_worker(void *arg)
{
	long own = (long)arg;
	worker_tid = syscall(SYS_gettid);
	if (own) {
		ASSERT_EQ(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
		ASSERT_EQ(on_getppid(SECCOMP_RET_ERRNO | ENOTTY, 0), 0);
	}
	char c = 0;
	if (write(ready_pipe[1], &c, 1) != 1)
		return (void *)-3;
	if (read(go_pipe[0], &c, 1) != 1)
		return (void *)-3;
	return (void *)(long)getppid_errno();
}

static void t_tsync(void)
{
	ASSERT_EQ(pipe(go_pipe), 0);
	ASSERT_EQ(pipe(ready_pipe), 0);
	pthread_t th;
	char c;
	ASSERT_EQ(pthread_create(&th, NULL, tsync_worker, (void *)0), 0);
	ASSERT_EQ(read(ready_pipe[0], &c, 1), 1);
	nnp();
	CHECK_EQ(on_getppid(SECCOMP_RET_ERRNO | ENOEXEC, SECCOMP_FILTER_FLAG_TSYNC), 0);
	ASSERT_EQ(write(go_pipe[1], &c, 1), 1);
	void *ret;
	CHECK_EQ(pthread_join(th, &ret), 0);
	CHECK_EQ((long)ret, ENOEXEC);
	/* A second TSYNC on top: the thread's filter is an ancestor. */
	ASSERT_EQ(pthread_create(&th, NULL, tsync_worker, (void *)0), 0);
	ASSERT_EQ(read(ready_pipe[0], &c, 1), 1);
	CHECK_EQ(on_getppid(SECCOMP_RET_ERRNO | ECHILD, SECCOMP_FILTER_FLAG_TSYNC), 0);
	ASSERT_EQ(write(go_pipe[1], &c, 1), 1);
	CHECK_EQ(pthread_join(th, &ret), 0);
	CHECK_EQ((long)ret, ECHILD);
}

static void t_tsync_conflict(void)
{
	ASSERT_EQ(pipe(go_pipe), 0);
	ASSERT_EQ(pipe(ready_pipe), 0);
	pthread_t th;
	char c;
	/* The worker installs a filter of its own. */
	ASSERT_EQ(pthread_create(&th, NULL, tsync_worker, (void *)1), 0);
	ASSERT_EQ(read(ready_pipe[0], &c, 1), 1);
	nnp();
	CHECK_EQ(getppid_errno(), 0);
	/* TSYNC fails, naming the thread, and installs nothing. */
	CHECK_EQ(on_getppid(SECCOMP_RET_ERRNO | ENOEXEC, SECCOMP_FILTER_FLAG_TSYNC), worker_tid);
	CHECK_ERRNO(on_getppid(SECCOMP_RET_ERRNO | ENOEXEC,
			       SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_TSYNC_ESRCH),
		    -1, ESRCH);
	CHECK_EQ(getppid_errno(), 0);
	CHECK_EQ(prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 0);
	/* Without TSYNC it installs. */
	CHECK_EQ(on_getppid(SECCOMP_RET_ERRNO | ENOEXEC, 0), 0);
	CHECK_EQ(getppid_errno(), ENOEXEC);
	ASSERT_EQ(write(go_pipe[1], &c, 1), 1);
	void *ret;
	CHECK_EQ(pthread_join(th, &ret), 0);
	CHECK_EQ((long)ret, ENOTTY);
}

/* --- Limits. --- */

static void t_total_length(void)
{
	nnp();
	/* The instructions of all of a task's filters, each with a penalty
	 * of 4, must stay within 32768: seven filters of 4096 fit, an eighth
	 * does not. (Linux counts the instructions of the internal form it
	 * translates filters to, a few more than given, so the exact
	 * boundary is not checked.) */
	static struct sock_filter big[BPF_MAXINSNS];
	for (int i = 0; i < BPF_MAXINSNS - 1; i++)
		big[i] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_IMM, i);
	big[BPF_MAXINSNS - 1] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	for (int i = 0; i < 7; i++)
		CHECK_EQ(install_flags(big, BPF_MAXINSNS, 0), 0);
	CHECK_ERRNO(install_flags(big, BPF_MAXINSNS, 0), -1, ENOMEM);
	/* A smaller one still fits. */
	CHECK_EQ(install_flags(big + BPF_MAXINSNS - 3000, 3000, 0), 0);
	CHECK_EQ(getppid_errno(), 0);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "exec-check") == 0)
		return exec_check();
	self_path = argv[0];
	if (self_path[0] != '/')
		FATAL("run this program by its absolute path (got %s)", self_path);
	parent = getpid();
	CHECK_EQ(prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 0);

	CHECK_CHILD_OK(run(t_nnp_and_errors));
	CHECK_CHILD_OK(run(t_eacces));
	CHECK_CHILD_OK(run(t_queries));
	CHECK_CHILD_OK(run(t_errno));
	CHECK_CHILD_OK(run(t_errno_zero));
	CHECK_CHILD_OK(run(t_trace_notif_log));
	CHECK_CHILD_OK(run(t_trap));
	CHECK_SIGNALED(run(t_trap_blocked), SIGSYS);
	CHECK_SIGNALED(run(t_trap_ignored), SIGSYS);
	CHECK_SIGNALED(run(t_kill_process), SIGSYS);
	CHECK_SIGNALED(run(t_unknown_action), SIGSYS);
	CHECK_SIGNALED(run(t_kill_beats_trap), SIGSYS);
	CHECK_SIGNALED(run(t_kill_thread_alone), SIGSYS);
	CHECK_CHILD_OK(run(t_kill_thread_of_two));
	CHECK_SIGNALED(run(t_div_zero), SIGSYS);
	CHECK_CHILD_OK(run(t_args));
	CHECK_CHILD_OK(run(t_data));
	CHECK_CHILD_OK(run(t_inherit));
	CHECK_CHILD_OK(run(t_tsync));
	CHECK_CHILD_OK(run(t_tsync_conflict));
	CHECK_CHILD_OK(run(t_total_length));
	/* The parent never had a filter. */
	CHECK_EQ(prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 0);
	CHECK_GE(syscall(SYS_getppid), 0);
	return test_done();
}
