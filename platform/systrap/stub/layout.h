/*
 * Layout shared by the systrap stub (stub.c) and the sentry
 * (platform/systrap/layout.go). Change both together; the sentry checks
 * the copy embedded in the blob (stub_layout) when it starts.
 */
#ifndef MOAT_SYSTRAP_LAYOUT_H
#define MOAT_SYSTRAP_LAYOUT_H

/* The stub's region: [STUB_ADDR, STUB_END). Application memory ends at
 * STUB_ADDR. */
#define STUB_ADDR     0x7fffc0000000UL
#define STUB_END      0x7ffffffff000UL
/* The code (this blob) is mapped read+exec at CODE_ADDR, CODE_SIZE long. */
#define CODE_ADDR     (STUB_ADDR + 0x1000UL)
#define CODE_SIZE     0x3000UL
/* Slots: one per stub thread, SLOT_SIZE aligned. Slot 0 of every address
 * space is its control thread's. Each slot is a window of the shared
 * "sysmsg" memfd, which every stub has at SYSMSG_FD. */
#define SLOT_BASE     (STUB_ADDR + 0x10000UL)
#define SLOT_SIZE     0x8000UL
#define SLOT_HDR      0x1000UL /* header page */
/* After the header page, the fast path's area (see FAST_* below), then
 * the signal stack, up to the end of the slot. */
#define SIGSTACK      0x4000UL
/* The thread map, read-only at TIDMAP_ADDR in every stub: for each host
 * thread ID below TIDMAP_MAX, a u16, the index of its slot in its address
 * space (SLOT_BASE + index * SLOT_SIZE), which the fast path looks up.
 * It is the last TIDMAP_SIZE bytes of sysmsg. */
#define TIDMAP_MAX    0x400000UL
#define TIDMAP_SIZE   (2 * TIDMAP_MAX)
#define TIDMAP_ADDR   (STUB_END - TIDMAP_SIZE)
#define TIDMAP_OFF    (0x40000000UL - TIDMAP_SIZE)
#define SLOT_SHIFT    15 /* SLOT_SIZE is 1 << SLOT_SHIFT */
/* Slots of one address space, its control slot (index 0) included. */
#define MAX_SLOTS     ((TIDMAP_ADDR - SLOT_BASE) / SLOT_SIZE)
/* The FS map, in each address space's control slot, past its batch
 * entries: FSMAP_N u64 buckets, by which the fast path finds the slot of
 * the thread it runs in with no system call. A thread whose FS base is
 * K (nonzero, below 1 << 47) has bucket FSMAP_HASH(K) hold
 * K | index << 48, unless another thread has the bucket, or K too (then
 * the index is 0). The stub reads K from %fs:0, where the x86-64 TLS ABI
 * puts the thread pointer, which is the FS base; the sentry writes the
 * map only where no application can change its FS base without it (no
 * FSGSBASE). Anything else, and a fault on %fs:0, takes the thread map. */
#define FSMAP_OFF     0x4400UL
#define FSMAP_BITS    9
#define FSMAP_N       (1UL << FSMAP_BITS)
#define FSMAP_MUL     0x9e3779b97f4a7c15UL
#define FSMAP_HASH(k) (((k) * FSMAP_MUL) >> (64 - FSMAP_BITS))
#define SYSMSG_FD     1
#define MEM_FD        0

/* Slot header fields (byte offsets). */
#define SL_STATE      0x00 /* u32 futex word: ST_STUB or ST_SENTRY */
#define SL_STUBWAIT   0x04 /* u32: the stub sleeps in FUTEX_WAIT */
#define SL_SENTRYWAIT 0x08 /* u32: the sentry sleeps in FUTEX_WAIT */
#define SL_TID        0x0c /* u32: the thread's ID, which it writes */
#define SL_CMD        0x10 /* u64: command for the stub */
#define SL_RAX        0x18 /* u64: rax of a fast-path call: the call
                              number, then the result (see FAST_*) */
#define SL_SYSNO      0x20 /* u64: CMD_SYSCALL number */
#define SL_ARGS       0x28 /* u64[6]: arguments */
#define SL_RET        0x58 /* u64: result */
#define SL_SIGNO      0x60 /* u64: signal that entered the handler */
#define SL_INFO       0x68 /* u64: its siginfo (stub address) */
#define SL_UCTX       0x70 /* u64: its ucontext (stub address) */
#define SL_FSBASE     0x78 /* u64: FS base to set before resuming */
#define SL_GSBASE     0x80 /* u64: GS base to set before resuming */
#define SL_SETBASE    0x88 /* u64: bit 0 set FS base, bit 1 GS base */
#define SL_SPIN       0x90 /* u64: spin iterations before sleeping */
#define SL_NOSPIN     0x98 /* u32: stop spinning, the reply will be long */
#define SL_PENDING    0x9c /* u32: thread slots: calls queued at SL_BATCH,
                              to run before the next command, or
                              PENDING_RUNNING while the stub runs them */
#define SL_FPDIRTY    0xa0 /* u32: the sentry rewrote the fast frame's FP
                              state: restore it before returning */
#define SL_XMASK      0xa8 /* u64: XSAVE features the fast path saves;
                              0 until the sentry set the fast frame up */
#define SL_INFAST     0xc0 /* u32: in the fast path, not yet handed over
                              (a line of its own: the sentry never reads
                              it, so setting it moves no line between
                              CPUs, as the state word would) */
#define SL_BYTID      0xc4 /* u32: fast-path calls that found the slot by
                              thread ID, not through the FS map */
#define SL_STASH      0xc8 /* u64: a fast-path call's rax until the
                              hand-over (see fast_entry) */
#define SL_FPROG      0x100 /* struct sock_fprog for the master's filter */
#define SL_FILTER     0x200 /* its instructions, up to SLOT_HDR */
#define SL_BATCH      0x400 /* batch entries: CMD_BATCH's, and in thread
                               slots the pending calls (not in the
                               master's control slot: the filter) */
#define THREAD_STACK  0x1000 /* initial stack of a new thread: slot+this */

#define ST_STUB       1 /* the stub's turn: a command is waiting */
#define ST_SENTRY     2 /* the sentry's turn: an event or a result */

/*
 * The fast path (fast_entry in entry.S): a system call made from a call
 * site the sentry patched to jump there does not trap. The stub saves the
 * registers itself, in a frame laid out as the kernel lays out a signal
 * frame (a ucontext, a siginfo and an XSAVE area), so that the sentry
 * reads and writes both kinds the same way. Offsets in the slot.
 * FAST_SKIP is how far below the application's stack pointer the fast
 * path puts what it pushes: past the red zone. One register is not in
 * the frame: rax, which every call changes, is at SL_RAX, in the line of
 * the state word that hands the call over and back, so that a call moves
 * as few cache lines between the CPUs as it can.
 */
#define FAST_SKIP     256
#define FAST_UC       0x1000 /* struct ucontext */
#define FAST_INFO     0x1140 /* struct siginfo: SIGSYS, SYS_SECCOMP */
#define FAST_STACK    0x1800 /* top of the fast path's own stack */
#define FAST_FP       0x1800 /* XSAVE area, up to SIGSTACK */
/* Offsets of the general registers in the ucontext (uc_mcontext). */
#define FU_REG(i)     (FAST_UC + 40 + 8 * (i))
#define FU_R8   FU_REG(0)
#define FU_R9   FU_REG(1)
#define FU_R10  FU_REG(2)
#define FU_R11  FU_REG(3)
#define FU_R12  FU_REG(4)
#define FU_R13  FU_REG(5)
#define FU_R14  FU_REG(6)
#define FU_R15  FU_REG(7)
#define FU_RDI  FU_REG(8)
#define FU_RSI  FU_REG(9)
#define FU_RBP  FU_REG(10)
#define FU_RBX  FU_REG(11)
#define FU_RDX  FU_REG(12)
#define FU_RAX  FU_REG(13)
#define FU_RCX  FU_REG(14)
#define FU_RSP  FU_REG(15)
#define FU_RIP  FU_REG(16)
#define FU_EFL  FU_REG(17)
#define FU_NREGS 18

#define CMD_RUN       1 /* return to application code */
#define CMD_SYSCALL   2 /* run a host syscall, report its result */
#define CMD_EXIT      3 /* end this thread */
#define CMD_NEWTHREAD 4 /* control: new thread with its slot at args[0],
                           first mapping sysmsg offset args[1] there
                           unless it is NO_MAP */
#define CMD_FORK      5 /* control: new address space, its control slot at
                           sysmsg offset args[0], and a first thread with
                           its slot (SLOT_BASE + SLOT_SIZE) at args[1];
                           clone flags args[2]: FORK_CLONE_FLAGS, or with
                           CLONE_PARENT_FLAG to copy an address space;
                           before it, a batch of args[3] calls as
                           CMD_BATCH's (-ECANCELED if one fails); the
                           new address space runs the args[4] calls at
                           SL_BATCH of its own control slot as it starts */
#define CMD_BATCH     6 /* run the args[0] system calls at SL_BATCH, up
                           to the first that fails; result: how many
                           succeeded */
#define NO_MAP        (~0UL)

/* A batch entry is BATCH_WORDS u64s: the number, six arguments and the
 * result. BATCH_MAX of them end at 0x4400 (FSMAP_OFF), and the FS map at
 * 0x5400, well below the control thread's stack at the top of its
 * slot. */
#define BATCH_WORDS   8
#define BATCH_MAX     256
/* A thread slot's batch stays clear of the top of the header page, where
 * a new thread's initial stack is. */
#define THREAD_BATCH_MAX 40
#define PENDING_RUNNING  0xffffffffU

/* Stub threads are processes sharing the address space (VM FS FILES
 * SIGHAND SYSVSEM CHILD_CLEARTID of SL_STATE, exit signal SIGCHLD), so
 * that the sentry can read their CPU clocks; each address space is a
 * process group. */
#define THREAD_CLONE_FLAGS 0x240f11UL
#define FORK_CLONE_FLAGS   17UL       /* SIGCHLD */
#define CLONE_PARENT_FLAG  0x8000UL   /* CLONE_PARENT */

#endif
