/*
 * Entry points of the systrap stub that must run without a usable stack
 * or that continue after a clone in the child. See stub.c.
 */
#include "layout.h"

	.section .text.entry, "ax"

/*
 * The master stub starts here, exec'd by the sentry with the memory file
 * at MEM_FD and the sysmsg memfd at SYSMSG_FD. It unmaps everything but its
 * code (the exec stack included, so it touches no stack until it has its
 * control slot) and maps sysmsg offset 0 as its control slot.
 */
	.globl _start
_start:
	mov $11, %eax               /* munmap(0, CODE_ADDR) */
	xor %edi, %edi
	mov $CODE_ADDR, %rsi
	syscall
	mov $11, %eax               /* munmap(code end, STUB_END - code end) */
	mov $(CODE_ADDR + CODE_SIZE), %rdi
	mov $(STUB_END - CODE_ADDR - CODE_SIZE), %rsi
	syscall
	xor %r9d, %r9d              /* sysmsg offset 0 */
	mov $9, %eax                /* mmap(SLOT_BASE, SLOT_SIZE, RW, SHARED|FIXED, SYSMSG_FD, r9) */
	mov $SLOT_BASE, %rdi
	mov $SLOT_SIZE, %rsi
	mov $3, %edx
	mov $0x11, %r10d
	mov $SYSMSG_FD, %r8d
	syscall
	mov $SLOT_BASE, %rdi
	cmp %rdi, %rax
	jne die
	mov $9, %eax                /* mmap(TIDMAP_ADDR, TIDMAP_SIZE, R, SHARED|FIXED, SYSMSG_FD, TIDMAP_OFF) */
	mov $TIDMAP_ADDR, %rdi
	mov $TIDMAP_SIZE, %rsi
	mov $1, %edx
	mov $0x11, %r10d
	mov $SYSMSG_FD, %r8d
	mov $TIDMAP_OFF, %r9
	syscall
	mov $TIDMAP_ADDR, %rdi
	cmp %rdi, %rax
	jne die
	mov $SLOT_BASE, %rdi
	lea SLOT_SIZE(%rdi), %rsp
	call master_init
	jmp die

/*
 * A new address space, forked by the control thread of the master or of
 * the address space it copies, with its control slot's sysmsg offset in
 * r12, its first thread's in r13, the length of the batch of calls in
 * its control slot in r14 and its parent's PID in r15. Until the mmap
 * below replaces it, the control slot is still the forker's, and so are
 * the thread slots above it, which the munmap drops: touch no memory.
 */
	.globl fork_child
fork_child:
	mov $11, %eax               /* munmap(SLOT_BASE + SLOT_SIZE, up to the thread map) */
	mov $(SLOT_BASE + SLOT_SIZE), %rdi
	mov $(TIDMAP_ADDR - SLOT_BASE - SLOT_SIZE), %rsi
	syscall
	test %rax, %rax
	jnz die
	mov $9, %eax
	mov $SLOT_BASE, %rdi
	mov $SLOT_SIZE, %rsi
	mov $3, %edx
	mov $0x11, %r10d
	mov $SYSMSG_FD, %r8d
	mov %r12, %r9
	syscall
	mov $SLOT_BASE, %rdi
	cmp %rdi, %rax
	jne die
	lea SLOT_SIZE(%rdi), %rsp
	mov %r13, %rsi
	mov %r14, %rdx
	mov %r15, %rcx
	call as_init
	jmp die

/*
 * A new thread, cloned with its stack at slot+THREAD_STACK. It takes the
 * rest of the slot as its signal stack, unblocks signals (its creator
 * blocks all) and traps into the handler, which reports it ready; from
 * then on it only leaves the handler into application code.
 */
	.globl thread_start
thread_start:
	mov %rsp, %rbx
	sub $THREAD_STACK, %rbx     /* slot */
	mov $186, %eax              /* gettid() */
	syscall
	mov %eax, SL_TID(%rbx)
	push $(SLOT_SIZE - SIGSTACK) /* stack_t.ss_size */
	push $0                     /* ss_flags */
	lea SIGSTACK(%rbx), %rax
	push %rax                   /* ss_sp */
	mov $131, %eax              /* sigaltstack(&ss, NULL) */
	mov %rsp, %rdi
	xor %esi, %esi
	syscall
	test %rax, %rax
	jnz die
	mov $157, %eax              /* prctl(PR_SET_PDEATHSIG, SIGKILL) */
	mov $1, %edi
	mov $9, %esi
	syscall
	/* If the address space's process (the parent, whose PID is the
	 * process group) died before that, nothing would kill this thread. */
	mov $110, %eax              /* getppid() */
	syscall
	mov %rax, %r12
	mov $121, %eax              /* getpgid(0) */
	xor %edi, %edi
	syscall
	cmp %rax, %r12
	jne die
	push $0
	mov $14, %eax               /* rt_sigprocmask(SIG_SETMASK, &zero, NULL, 8) */
	mov $2, %edi
	mov %rsp, %rsi
	xor %edx, %edx
	mov $8, %r10d
	syscall
1:	int3
	.globl thread_ready
thread_ready:
	jmp 1b

/*
 * The fast system call path. A patched call site jumps, through its
 * trampoline (sentry/usertrap), here with the call's number in eax, its
 * return address in rcx and r11 free, as a syscall instruction leaves
 * them; every other register is the application's. Nothing is written in
 * the red zone below the application's stack pointer.
 *
 * It finds the thread's slot in the FS map, by the thread pointer at
 * %fs:0, or else from its thread ID (a GS base of its own would need
 * neither, but makes every host context switch of the thread far dearer
 * on some hypervisors, and FS already has one), saves
 * the registers and the FP state in the slot's fast frame, has
 * fast_syscall hand the call to the sentry and run its commands, and
 * returns to the application with the registers the sentry left in the
 * frame. A signal that arrives meanwhile is sorted out by the handler
 * (see fast_signal in stub.c), which depends on fast_marked and fast_end.
 */
	/* save_changed stores reg at off in the slot (%r11) if it differs. */
	.macro save_changed reg, off
	cmp \reg, \off(%r11)
	je 1f
	mov \reg, \off(%r11)
1:
	.endm

	.globl fast_entry
fast_entry:
	lea -FAST_SKIP(%rsp), %rsp
	pushfq
	push %rcx
	push %rax
	/* The FS map's bucket for the thread pointer (see layout.h). */
	.globl fast_tls
fast_tls:
	mov %fs:0, %rax             /* a fault here goes to fast_by_tid */
	mov %rax, %rcx
	shr $47, %rcx
	jnz fast_by_tid
	mov $FSMAP_MUL, %rcx
	imul %rax, %rcx
	shr $(64 - FSMAP_BITS), %rcx
	mov $(SLOT_BASE + FSMAP_OFF), %r11
	xor (%r11,%rcx,8), %rax     /* index << 48, if the key is rax */
	mov %rax, %r11
	shr $48, %r11
	jz fast_by_tid              /* no entry, or shared */
	shl $16, %rax
	jnz fast_by_tid             /* another thread's */
	cmp $MAX_SLOTS, %r11
	jae fast_by_tid
	shl $SLOT_SHIFT, %r11
	mov $SLOT_BASE, %rcx
	add %rcx, %r11              /* the slot */
	jmp fast_found
	/* The thread map, by thread ID. */
	.globl fast_by_tid
fast_by_tid:
	mov $186, %eax              /* gettid() */
	syscall
	mov $TIDMAP_MAX, %rcx
	cmp %rcx, %rax
	jae die
	mov $TIDMAP_ADDR, %r11
	movzwl (%r11,%rax,2), %r11d
	shl $SLOT_SHIFT, %r11
	mov $SLOT_BASE, %rcx
	add %rcx, %r11              /* the slot */
	cmp %eax, SL_TID(%r11)
	jne die
	incl SL_BYTID(%r11)
fast_found:
	movl $1, SL_INFAST(%r11)
	.globl fast_marked
fast_marked:
	/* rax, which every call changes, waits in the stub's own line
	 * (SL_STASH) and goes to the header's first line with the state
	 * word that hands the call over, in one transfer of that line to
	 * this CPU (the sentry spins reading it, so a store there now would
	 * cost one more). The frame's registers, which a loop of calls from
	 * one site seldom changes, are stored only if they differ, so that
	 * their lines stay shared with the sentry, which then reads them
	 * with no transfer between CPUs (each costs about as much as
	 * copying a page). */
	pop SL_STASH(%r11)
	pop %rcx
	save_changed %rcx, FU_RIP
	save_changed %rcx, FU_RCX
	pop %rcx
	save_changed %rcx, FU_EFL
	save_changed %rcx, FU_R11
	lea FAST_SKIP(%rsp), %rcx
	save_changed %rcx, FU_RSP
	save_changed %r8, FU_R8
	save_changed %r9, FU_R9
	save_changed %r10, FU_R10
	save_changed %r12, FU_R12
	save_changed %r13, FU_R13
	save_changed %r14, FU_R14
	save_changed %r15, FU_R15
	save_changed %rdi, FU_RDI
	save_changed %rsi, FU_RSI
	save_changed %rbp, FU_RBP
	save_changed %rbx, FU_RBX
	save_changed %rdx, FU_RDX
	lea FAST_STACK(%r11), %rsp
	mov SL_XMASK(%r11), %eax
	mov (SL_XMASK + 4)(%r11), %edx
	xsave64 FAST_FP(%r11)
	cld
	mov %r11, %rbx
	mov %r11, %rdi
	call fast_syscall
	mov %rbx, %r11
	cmpl $0, SL_FPDIRTY(%r11)
	je 1f
	mov SL_XMASK(%r11), %eax
	mov (SL_XMASK + 4)(%r11), %edx
	xrstor64 FAST_FP(%r11)
	movl $0, SL_FPDIRTY(%r11)
1:	/* Below the red zone: the flags and the return address, which
	 * popfq and ret take, leaving the stack pointer the application's. */
	mov FU_RSP(%r11), %rcx
	lea -(FAST_SKIP + 8)(%rcx), %rsp
	mov FU_EFL(%r11), %rax
	mov %rax, (%rsp)
	mov FU_RIP(%r11), %rax
	mov %rax, 8(%rsp)
	mov FU_R8(%r11), %r8
	mov FU_R9(%r11), %r9
	mov FU_R10(%r11), %r10
	mov FU_R12(%r11), %r12
	mov FU_R13(%r11), %r13
	mov FU_R14(%r11), %r14
	mov FU_R15(%r11), %r15
	mov FU_RDI(%r11), %rdi
	mov FU_RSI(%r11), %rsi
	mov FU_RBP(%r11), %rbp
	mov FU_RBX(%r11), %rbx
	mov FU_RDX(%r11), %rdx
	mov SL_RAX(%r11), %rax
	mov FU_RCX(%r11), %rcx
	mov FU_R11(%r11), %r11
	popfq
	ret $(FAST_SKIP - 8)
	.globl fast_end
fast_end:

	.globl restorer
restorer:
	mov $15, %eax               /* rt_sigreturn */
	syscall
	ud2

	.globl die
die:
	mov $231, %eax              /* exit_group(111) */
	mov $111, %edi
	syscall
	ud2
