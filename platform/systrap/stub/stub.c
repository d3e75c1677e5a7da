/*
 * The systrap stub: the code that runs inside every application address
 * space, next to the application, under a seccomp filter that traps every
 * system call not made from this code.
 *
 * It is compiled by gen.sh into a flat blob (../stub_blob.go) mapped at
 * CODE_ADDR. It has no writable data of its own: all its state is in the
 * per-thread slots (see layout.h), which are shared with the sentry.
 *
 * Build with -ffreestanding -fno-stack-protector: it runs with the
 * application's FS base, so it must never touch TLS.
 */
#include "layout.h"

#pragma GCC visibility push(hidden)

typedef unsigned long u64;
typedef unsigned int u32;

#define SYS_rt_sigaction   13
#define SYS_rt_sigprocmask 14
#define SYS_mmap           9
#define SYS_clone          56
#define SYS_exit           60
#define SYS_setpgid        109
#define SYS_setsid         112
#define SYS_prctl          157
#define SYS_arch_prctl     158
#define SYS_futex          202
#define SYS_getppid        110
#define SYS_gettid         186
#define SYS_exit_group     231
#define SYS_seccomp        317

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1

#define SA_SIGINFO  0x4
#define SA_ONSTACK  0x08000000
#define SA_RESTORER 0x04000000

#define PR_SET_PDEATHSIG   1
#define PR_SET_DUMPABLE    4
#define PR_SET_NO_NEW_PRIVS 38
#define PR_SET_CHILD_SUBREAPER 36
#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define SECCOMP_SET_MODE_FILTER 1

#define SIGKILL 9
#define SIGSTOP 19

struct ksigaction {
	u64 handler;
	u64 flags;
	u64 restorer;
	u64 mask;
};

struct slot {
	u32 state;
	u32 stub_waiting;
	u32 sentry_waiting;
	u32 tid;
	u64 cmd;
	u64 rax;
	u64 sysno;
	u64 args[6];
	u64 ret;
	u64 signo;
	u64 info;
	u64 uctx;
	u64 fsbase;
	u64 gsbase;
	u64 setbase;
	u64 spin;
	u32 nospin;
	u32 pending;
	u32 fpdirty;
	u32 pad;
	u64 xmask;
	u64 pad2[2];
	u32 infast;
	u32 bytid;
	u64 stash;
};

_Static_assert(__builtin_offsetof(struct slot, cmd) == SL_CMD, "SL_CMD");
_Static_assert(__builtin_offsetof(struct slot, rax) == SL_RAX, "SL_RAX");
_Static_assert(__builtin_offsetof(struct slot, args) == SL_ARGS, "SL_ARGS");
_Static_assert(__builtin_offsetof(struct slot, ret) == SL_RET, "SL_RET");
_Static_assert(__builtin_offsetof(struct slot, uctx) == SL_UCTX, "SL_UCTX");
_Static_assert(__builtin_offsetof(struct slot, spin) == SL_SPIN, "SL_SPIN");
_Static_assert(__builtin_offsetof(struct slot, nospin) == SL_NOSPIN, "SL_NOSPIN");
_Static_assert(__builtin_offsetof(struct slot, pending) == SL_PENDING, "SL_PENDING");
_Static_assert(__builtin_offsetof(struct slot, fpdirty) == SL_FPDIRTY, "SL_FPDIRTY");
_Static_assert(__builtin_offsetof(struct slot, xmask) == SL_XMASK, "SL_XMASK");
_Static_assert(__builtin_offsetof(struct slot, infast) == SL_INFAST, "SL_INFAST");
_Static_assert(__builtin_offsetof(struct slot, bytid) == SL_BYTID, "SL_BYTID");
_Static_assert(__builtin_offsetof(struct slot, stash) == SL_STASH, "SL_STASH");
_Static_assert(FSMAP_OFF >= SL_BATCH + BATCH_MAX * BATCH_WORDS * 8, "FSMAP_OFF");
_Static_assert(MAX_SLOTS < (1UL << 16), "MAX_SLOTS");

void handler(int signo, void *info, void *uctx);
void fast_syscall(struct slot *s);
void restorer(void);
void thread_ready(void);
void fast_entry(void);
void fast_marked(void);
void fast_tls(void);
void fast_by_tid(void);
void fast_end(void);

void die(void) __attribute__((noreturn));
void master_init(struct slot *ctl) __attribute__((noreturn));
void as_init(struct slot *ctl, u64 thread_off, u64 nbatch, u64 ppid) __attribute__((noreturn));

static inline long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

#define sys4(n, a, b, c, d) sys6(n, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)

static inline u32 load32(u32 *p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
static inline void store32(u32 *p, u32 v) { __atomic_store_n(p, v, __ATOMIC_SEQ_CST); }

/* wait_turn waits, spinning first, until the sentry hands the slot back. */
static void wait_turn(struct slot *s)
{
	u64 n = s->spin;
	for (u64 i = 0; i < n; i++) {
		if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) == ST_STUB)
			return;
		if (__atomic_load_n(&s->nospin, __ATOMIC_RELAXED))
			break;
		__asm__ volatile("pause" ::: "memory");
	}
	for (;;) {
		store32(&s->stub_waiting, 1);
		u32 v = load32(&s->state);
		if (v == ST_STUB)
			break;
		sys4(SYS_futex, &s->state, FUTEX_WAIT, v, 0);
	}
	store32(&s->stub_waiting, 0);
}

/* hand_over gives the slot to the sentry and waits until it is back. */
static void hand_over(struct slot *s)
{
	store32(&s->state, ST_SENTRY);
	store32(&s->infast, 0);
	if (load32(&s->sentry_waiting))
		sys4(SYS_futex, &s->state, FUTEX_WAKE, 1, 0);
	wait_turn(s);
}

/*
 * run_batch runs the host system calls listed at SL_BATCH, in order, up
 * to the first that fails. Each entry is the number, six arguments and
 * the result, which it stores; it returns how many succeeded.
 */
static u64 run_batch(struct slot *s, u64 first, u64 n)
{
	if (first > BATCH_MAX || n > BATCH_MAX - first)
		return 0;
	u64 *e = (u64 *)((u64)s + SL_BATCH) + first * BATCH_WORDS;
	u64 i;
	for (i = 0; i < n; i++, e += BATCH_WORDS) {
		long r = sys6((long)e[0], (long)e[1], (long)e[2], (long)e[3], (long)e[4], (long)e[5], (long)e[6]);
		e[7] = (u64)r;
		if ((unsigned long)r >= (unsigned long)-4095L)
			break;
	}
	return i;
}

/*
 * run_pending runs the calls the sentry queued in a thread's slot (the
 * mappings that serve a fault), before the thread runs its next command;
 * or, if the sentry is making them itself (it swaps the count for
 * PENDING_RUNNING first, as this does), waits until it has.
 */
static void run_pending(struct slot *s)
{
	/* PENDING_RUNNING: the sentry is making them; wait (for a while:
	 * the application can write the word too). */
	for (u64 spin = 0; spin < (1UL << 24); spin++) {
		u32 n = load32(&s->pending);
		if (n == 0 || (n > THREAD_BATCH_MAX && n != PENDING_RUNNING))
			return;
		if (n == PENDING_RUNNING) {
			__asm__ volatile("pause" ::: "memory");
			continue;
		}
		if (__atomic_compare_exchange_n(&s->pending, &n, PENDING_RUNNING, 0, __ATOMIC_SEQ_CST,
						__ATOMIC_SEQ_CST)) {
			run_batch(s, 0, n);
			store32(&s->pending, 0);
			return;
		}
	}
}

/* set_bases sets the FS and GS bases the sentry asked for. The word is
 * cleared only if it was set: a store would take its line, which the
 * sentry reads on every call, from the sentry's cache. */
static void set_bases(struct slot *s)
{
	u64 set = s->setbase;
	if (set == 0)
		return;
	if (set & 1)
		sys4(SYS_arch_prctl, ARCH_SET_FS, s->fsbase, 0, 0);
	if (set & 2)
		sys4(SYS_arch_prctl, ARCH_SET_GS, s->gsbase, 0, 0);
	s->setbase = 0;
}

/*
 * serve hands the slot to the sentry and runs the commands it sends, up
 * to the one that resumes the application.
 */
static void serve(struct slot *s)
{
	for (;;) {
		hand_over(s);
		run_pending(s);
		switch (s->cmd) {
		case CMD_RUN:
			return;
		case CMD_SYSCALL:
			s->ret = (u64)sys6((long)s->sysno, (long)s->args[0], (long)s->args[1], (long)s->args[2],
					   (long)s->args[3], (long)s->args[4], (long)s->args[5]);
			break;
		case CMD_EXIT:
			sys4(SYS_exit, 0, 0, 0, 0);
			break;
		case CMD_BATCH:
			s->ret = s->args[0] <= THREAD_BATCH_MAX ? run_batch(s, 0, s->args[0]) : 0;
			break;
		default:
			s->ret = (u64)-22;
			break;
		}
	}
}

/*
 * fast_syscall serves a call made through the fast path: fast_entry has
 * saved the registers in the fast frame, and resumes the application
 * from it once this returns.
 */
void fast_syscall(struct slot *s)
{
	/* Written only when they change (after a trap or a signal): a
	 * store would take the line from the sentry's cache, and its read
	 * of them, the first of each call, would wait for it to come back. */
	if (s->signo != 31 || s->uctx != (u64)s + FAST_UC || s->info != (u64)s + FAST_INFO) {
		s->signo = 31; /* SIGSYS */
		s->info = (u64)s + FAST_INFO;
		s->uctx = (u64)s + FAST_UC;
	}
	/* Just before the state word, in its line (see fast_entry). */
	s->rax = s->stash;
	serve(s);
	set_bases(s);
}

#define REG_RAX 13
#define REG_RIP 16
#define REG_FPSTATE 23
#define SIGUSR2 12
#define SIGTRAP 5
#define SIGSEGV 11
#define SIGBUS 7
#define FP_SW_BYTES 464
#define FP_XSTATE_START 512

/*
 * fast_signal handles a signal that arrived in the fast path, where the
 * application's state is in the fast frame, not in the signal frame. It
 * returns 1 if the handler should go on and report the signal, with the
 * signal frame now holding the application's state; 0 if it should just
 * return.
 *
 * Until the sentry has replied, the signal can only be the sentry's
 * interrupt, which it sent while it thought application code was
 * running: it learns of the call and sees its own interrupt flag before
 * it resumes the thread again, so the signal is dropped. Once it has
 * replied (the slot is the stub's again, to run), the state it wants is
 * the fast frame's, and the return is finished from the signal frame.
 */
static int fast_signal(struct slot *s, int signo, u64 *gregs)
{
	u64 rip = gregs[REG_RIP];
	/* No thread pointer at %fs:0 (an FS base of 0, or not a TLS block
	 * mapped yet): find the slot by thread ID instead. */
	if (rip == (u64)fast_tls && (signo == SIGSEGV || signo == SIGBUS)) {
		gregs[REG_RIP] = (u64)fast_by_tid;
		return 0;
	}
	if (rip >= (u64)fast_entry && rip < (u64)fast_marked) {
		/* Not even marked in the fast path yet, and nothing saved. */
		if (signo == SIGUSR2)
			return 0;
		/* A push to a page of the application's stack that the
		 * sentry has not mapped yet: it maps it, as for any fault,
		 * and the push runs again. */
		if (signo == SIGSEGV || signo == SIGBUS)
			return 1;
		die();
	}
	u32 infast = load32(&s->infast);
	if (infast || load32(&s->state) != ST_STUB || s->cmd != CMD_RUN) {
		if (signo == SIGUSR2)
			return 0;
		/* Reading back what it pushed on the application's stack,
		 * which another thread's fork can have unmapped since: the
		 * sentry maps it again (see handler, which keeps infast). */
		if (infast && (signo == SIGSEGV || signo == SIGBUS))
			return 1;
		die();
	}
	u64 *f = (u64 *)((u64)s + FU_REG(0));
	for (int i = 0; i < FU_NREGS; i++)
		gregs[i] = f[i];
	gregs[REG_RAX] = s->rax; /* kept in the header (see fast_entry) */
	if (load32(&s->fpdirty)) {
		unsigned char *dst = (unsigned char *)gregs[REG_FPSTATE];
		unsigned char *src = (unsigned char *)((u64)s + FAST_FP);
		u32 size = *(u32 *)(dst + FP_SW_BYTES + 16);
		if ((u64)dst < (u64)s + SIGSTACK || size > SIGSTACK - FAST_FP)
			die();
		for (u32 i = 0; i < size; i++)
			if (i < FP_SW_BYTES || i >= FP_XSTATE_START)
				dst[i] = src[i];
		store32(&s->fpdirty, 0);
	}
	set_bases(s);
	/* A fault is the return's write to the application's stack: the
	 * application, resumed from the frame, does not make it again. */
	if (signo != SIGUSR2 && signo != SIGTRAP && signo != SIGSEGV && signo != SIGBUS)
		die();
	return 1;
}

/*
 * handler catches every signal the stub handles, on the signal stack in
 * the thread's slot. The kernel saved the application's registers and FP
 * state in the frame there; the sentry reads and rewrites them in place.
 */
void handler(int signo, void *info, void *uctx)
{
	struct slot *s = (struct slot *)((u64)uctx & ~(SLOT_SIZE - 1));
	u64 *gregs = (u64 *)((u64)uctx + 40);
	u64 rip = gregs[REG_RIP];
	/* Signals are blocked everywhere in the stub's code but in the fast
	 * path, and at the first trap of a new thread. */
	if (rip >= CODE_ADDR && rip < CODE_ADDR + CODE_SIZE && rip != (u64)thread_ready &&
	    !fast_signal(s, signo, gregs))
		return;
	/* A fault in the fast path before its hand-over: once the sentry has
	 * served it, the fast path goes on, still marked for the handler
	 * (hand_over cleared the mark). */
	u32 fast = load32(&s->infast);
	s->signo = (u64)signo;
	s->info = (u64)info;
	s->uctx = (u64)uctx;
	serve(s);
	set_bases(s);
	if (fast)
		store32(&s->infast, 1);
	/* The signal frame's FP state is the one sigreturn loads. */
	store32(&s->fpdirty, 0);
}

static long clone_thread(u64 slot)
{
	register long r10 __asm__("r10") = (long)(slot + SL_STATE); /* zeroed at exit */
	register long r8 __asm__("r8") = 0;
	long ret;
	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jz thread_start"
			 : "=a"(ret)
			 : "a"((long)SYS_clone), "D"(THREAD_CLONE_FLAGS), "S"(slot + THREAD_STACK), "d"(0L),
			   "r"(r10), "r"(r8)
			 : "rcx", "r11", "memory");
	return ret;
}

/* map_slot maps sysmsg offset off as the slot at addr. */
static long map_slot(u64 addr, u64 off)
{
	long ret = sys6(SYS_mmap, (long)addr, SLOT_SIZE, 3 /* RW */, 0x11 /* MAP_SHARED|MAP_FIXED */, SYSMSG_FD,
			(long)off);
	return ret == (long)addr ? 0 : ret;
}

static long new_thread(u64 slot, u64 off)
{
	if (off != NO_MAP) {
		long err = map_slot(slot, off);
		if (err)
			return err;
	}
	return clone_thread(slot);
}

static long fork_as(u64 off, u64 thread_off, u64 flags, u64 nbatch, u64 ppid)
{
	register long r10 __asm__("r10") = 0;
	register long r8 __asm__("r8") = 0;
	register long r12 __asm__("r12") = (long)off;
	register long r13 __asm__("r13") = (long)thread_off;
	register long r14 __asm__("r14") = (long)nbatch;
	register long r15 __asm__("r15") = (long)ppid;
	long ret;
	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jz fork_child"
			 : "=a"(ret)
			 : "a"((long)SYS_clone), "D"(flags), "S"(0L), "d"(0L), "r"(r10), "r"(r8),
			   "r"(r12), "r"(r13), "r"(r14), "r"(r15)
			 : "rcx", "r11", "memory");
	return ret;
}

/* control_loop serves the control slot of an address space. */
static void __attribute__((noreturn)) control_loop(struct slot *s)
{
	for (;;) {
		wait_turn(s);
		switch (s->cmd) {
		case CMD_SYSCALL:
			s->ret = (u64)sys6((long)s->sysno, (long)s->args[0], (long)s->args[1], (long)s->args[2],
					   (long)s->args[3], (long)s->args[4], (long)s->args[5]);
			break;
		case CMD_NEWTHREAD:
			s->ret = (u64)new_thread(s->args[0], s->args[1]);
			break;
		case CMD_BATCH:
			s->ret = run_batch(s, 0, s->args[0]);
			break;
		case CMD_FORK:
			/* The master forks plain children; an address space
			 * forks a copy of itself whose parent is the master's
			 * (CLONE_PARENT), as if the master had forked it. */
			if (s->args[2] != FORK_CLONE_FLAGS && s->args[2] != (FORK_CLONE_FLAGS | CLONE_PARENT_FLAG)) {
				s->ret = (u64)-22;
				break;
			}
			/* First the batch of args[3] calls that prepare the
			 * mappings the copy gets. */
			if (run_batch(s, 0, s->args[3]) != s->args[3]) {
				s->ret = (u64)-125; /* ECANCELED */
				break;
			}
			/* The new process's parent: this one, or with
			 * CLONE_PARENT this one's (both single-threaded, so
			 * a thread ID is a process ID). */
			s->ret = (u64)fork_as(s->args[0], s->args[1], s->args[2], s->args[4],
					      (u64)sys4(s->args[2] & CLONE_PARENT_FLAG ? SYS_getppid : SYS_gettid, 0, 0,
							0, 0));
			break;
		default:
			s->ret = (u64)-22;
			break;
		}
		store32(&s->state, ST_SENTRY);
		if (load32(&s->sentry_waiting))
			sys4(SYS_futex, &s->state, FUTEX_WAKE, 1, 0);
	}
}

/* Signals that reach the handler: the seccomp trap, faults from
 * application code, and the sentry's interrupt. */
static const int handled[] = {31 /* SIGSYS */, 11 /* SIGSEGV */, 7 /* SIGBUS */, 4 /* SIGILL */,
			      8 /* SIGFPE */, 5 /* SIGTRAP */, 12 /* SIGUSR2 */};

void master_init(struct slot *ctl)
{
	sys4(SYS_setsid, 0, 0, 0, 0);
	struct ksigaction sa = {
		.handler = (u64)handler,
		.flags = SA_SIGINFO | SA_ONSTACK | SA_RESTORER,
		.restorer = (u64)restorer,
		.mask = ~0UL,
	};
	struct ksigaction ign = {.handler = 1 /* SIG_IGN */};
	for (int sig = 1; sig <= 64; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		struct ksigaction *a = &ign;
		for (unsigned i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
			if (handled[i] == sig)
				a = &sa;
		if (sys4(SYS_rt_sigaction, sig, a, 0, 8) != 0 && a == &sa)
			die();
	}
	u64 all = ~0UL;
	sys4(SYS_rt_sigprocmask, 2 /* SIG_SETMASK */, &all, 0, 8);
	sys4(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0);
	sys4(SYS_prctl, PR_SET_DUMPABLE, 0, 0, 0);
	/* Stub threads orphaned by the death of their address space's
	 * process come to the master, which ignores SIGCHLD, so that the
	 * kernel reaps them (in the sentry's PID namespace they would go to
	 * the sentry, as its init, and stay zombies). */
	sys4(SYS_prctl, PR_SET_CHILD_SUBREAPER, 1, 0, 0);
	if (sys4(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0) != 0)
		die();
	if (sys4(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, (u64)ctl + SL_FPROG, 0) != 0)
		die();
	control_loop(ctl);
}

void as_init(struct slot *ctl, u64 thread_off, u64 nbatch, u64 ppid)
{
	/* The address space's process group holds all its stub threads, so
	 * that one kill ends them all. */
	if (sys4(SYS_setpgid, 0, 0, 0, 0) != 0)
		die();
	sys4(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0);
	/* If the parent died before that, nothing would kill this process. */
	if ((u64)sys4(SYS_getppid, 0, 0, 0, 0) != ppid)
		die();
	/* The mappings the sentry gives a copy of an address space, in its
	 * control slot before the fork: all made before any of its code can
	 * run. Each may fail: the page then faults in. */
	run_batch(ctl, 0, nbatch);
	/* Its first thread, ready for the first task that switches in. */
	if (new_thread((u64)ctl + SLOT_SIZE, thread_off) < 0)
		die();
	control_loop(ctl);
}

/* stub_layout lets the sentry check that it was built with the same
 * layout.h as this blob. */
__attribute__((used, section(".text.layout"))) const u64 stub_layout[] = {
	0x6d6f61747374756bUL, STUB_ADDR, STUB_END, CODE_ADDR, CODE_SIZE, SLOT_BASE, SLOT_SIZE, SLOT_HDR,
	SL_STATE, SL_CMD, SL_ARGS, SL_RET, SL_SIGNO, SL_UCTX, SL_SETBASE, SL_SPIN, SL_FPROG, SL_FILTER,
	THREAD_STACK, ST_STUB, ST_SENTRY, CMD_RUN, CMD_SYSCALL, CMD_EXIT, CMD_NEWTHREAD, CMD_FORK,
	THREAD_CLONE_FLAGS, FORK_CLONE_FLAGS, SL_TID, NO_MAP, SL_NOSPIN, CLONE_PARENT_FLAG,
	CMD_BATCH, SL_BATCH, BATCH_WORDS, BATCH_MAX, SL_PENDING, THREAD_BATCH_MAX, PENDING_RUNNING,
	SL_FPDIRTY, SL_XMASK, SIGSTACK, FAST_UC, FAST_INFO, FAST_STACK, FAST_FP,
	TIDMAP_MAX, TIDMAP_ADDR, TIDMAP_OFF, FAST_SKIP, SL_INFAST,
	SL_BYTID, MAX_SLOTS, FSMAP_OFF, FSMAP_BITS, FSMAP_MUL, SL_STASH,
};
