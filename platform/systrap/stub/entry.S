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
	mov $11, %eax               /* munmap(SLOT_BASE + SLOT_SIZE, rest of the stub region) */
	mov $(SLOT_BASE + SLOT_SIZE), %rdi
	mov $(STUB_END - SLOT_BASE - SLOT_SIZE), %rsi
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
	mov $158, %eax              /* arch_prctl(ARCH_SET_GS, slot): the fast path finds its slot there */
	mov $0x1001, %edi
	mov %rbx, %rsi
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
 * them; every other register is the application's, the stack included
 * (with its red zone: nothing is pushed there). GS base is the slot.
 *
 * It saves the registers and the FP state in the slot's fast frame, has
 * fast_syscall hand the call to the sentry and run its commands, and
 * returns to the application with the registers the sentry left in the
 * frame. A signal that arrives meanwhile is sorted out by the handler
 * (see fast_signal in stub.c), which depends on the first instruction
 * marking the slot ST_FAST, and on fast_slow and fast_end.
 */
	.globl fast_entry
fast_entry:
	movl $ST_FAST, %gs:SL_STATE
	mov %rsp, %gs:FU_RSP
	mov %gs:SL_FSTACK, %rsp
	pushfq
	pop %r11
	mov %r11, %gs:FU_EFL
	mov %r11, %gs:FU_R11
	mov %rcx, %gs:FU_RIP
	mov %rcx, %gs:FU_RCX
	mov %rax, %gs:FU_RAX
	mov %r8, %gs:FU_R8
	mov %r9, %gs:FU_R9
	mov %r10, %gs:FU_R10
	mov %r12, %gs:FU_R12
	mov %r13, %gs:FU_R13
	mov %r14, %gs:FU_R14
	mov %r15, %gs:FU_R15
	mov %rdi, %gs:FU_RDI
	mov %rsi, %gs:FU_RSI
	mov %rbp, %gs:FU_RBP
	mov %rbx, %gs:FU_RBX
	mov %rdx, %gs:FU_RDX
	mov %gs:SL_XMASK, %eax
	mov %gs:(SL_XMASK + 4), %edx
	xsave64 %gs:FAST_FP
	cld
	mov %rsp, %rdi
	and $~(SLOT_SIZE - 1), %rdi /* the slot: the stack is in it */
	call fast_syscall
	test %eax, %eax
	jnz fast_slow
	cmpl $0, %gs:SL_FPDIRTY
	je 1f
	mov %gs:SL_XMASK, %eax
	mov %gs:(SL_XMASK + 4), %edx
	xrstor64 %gs:FAST_FP
	movl $0, %gs:SL_FPDIRTY
1:	pushq %gs:FU_EFL
	mov %gs:FU_R8, %r8
	mov %gs:FU_R9, %r9
	mov %gs:FU_R10, %r10
	mov %gs:FU_R11, %r11
	mov %gs:FU_R12, %r12
	mov %gs:FU_R13, %r13
	mov %gs:FU_R14, %r14
	mov %gs:FU_R15, %r15
	mov %gs:FU_RDI, %rdi
	mov %gs:FU_RSI, %rsi
	mov %gs:FU_RBP, %rbp
	mov %gs:FU_RBX, %rbx
	mov %gs:FU_RDX, %rdx
	mov %gs:FU_RAX, %rax
	mov %gs:FU_RCX, %rcx
	popfq
	mov %gs:FU_RSP, %rsp
	jmp *%gs:FU_RIP
	/* The return needs what only a sigreturn does (a new GS base): the
	 * handler finishes it from the frame. */
	.globl fast_slow
fast_slow:
	ud2
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
