package ptrace

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"
)

// The stub is a tiny static ELF executable. Its code page holds two
// fragments that the sentry points a stopped stub thread at:
//
//	stubSyscall: syscall; int3
//	stubClone:   syscall; test rax,rax; jnz parent
//	             child: kill(getpid(), SIGSTOP); jmp child
//	             parent: int3
//
// Its data page holds a sigaction that sets SIGCHLD to SIG_IGN, so that
// exited stubs are reaped by the kernel rather than kept as zombies.
const (
	// StubAddr is where the stub's two pages live in every address space.
	// Application mappings must stay below it.
	StubAddr = 0x7ffffff00000
	// StubSize covers the code and data pages.
	StubSize = 0x2000

	stubSyscall   = StubAddr + 0x200
	stubClone     = StubAddr + 0x210
	stubSigaction = StubAddr + 0x1000

	// TaskSize is the top of the x86-64 user address space with 4-level
	// paging.
	TaskSize = 0x7ffffffff000
)

var stubCode = map[int][]byte{
	0x200: {0x0f, 0x05, 0xcc},
	0x210: {
		0x0f, 0x05, // syscall
		0x48, 0x85, 0xc0, // test rax, rax
		0x75, 0x17, // jnz parent (0x22e)
		0xb8, 0x27, 0x00, 0x00, 0x00, // child: mov eax, SYS_getpid
		0x0f, 0x05, // syscall
		0x89, 0xc7, // mov edi, eax
		0xbe, 0x13, 0x00, 0x00, 0x00, // mov esi, SIGSTOP
		0xb8, 0x3e, 0x00, 0x00, 0x00, // mov eax, SYS_kill
		0x0f, 0x05, // syscall
		0xeb, 0xe9, // jmp child
		0xcc, // parent: int3
	},
}

// stubELF builds the stub executable image.
func stubELF() []byte {
	img := make([]byte, StubSize)
	le := binary.LittleEndian
	copy(img, []byte{0x7f, 'E', 'L', 'F', 2, 1, 1})
	le.PutUint16(img[16:], unix.ET_EXEC) // e_type (ET_EXEC)
	le.PutUint16(img[18:], 62)           // e_machine EM_X86_64
	le.PutUint32(img[20:], 1)            // e_version
	le.PutUint64(img[24:], stubSyscall)  // e_entry, never run
	le.PutUint64(img[32:], 64)           // e_phoff
	le.PutUint16(img[52:], 64)           // e_ehsize
	le.PutUint16(img[54:], 56)           // e_phentsize
	le.PutUint16(img[56:], 2)            // e_phnum
	phdr := func(i int, flags uint32, off uint64) {
		p := img[64+56*i:]
		le.PutUint32(p[0:], 1) // PT_LOAD
		le.PutUint32(p[4:], flags)
		le.PutUint64(p[8:], off)
		le.PutUint64(p[16:], StubAddr+off)
		le.PutUint64(p[24:], StubAddr+off)
		le.PutUint64(p[32:], 0x1000)
		le.PutUint64(p[40:], 0x1000)
		le.PutUint64(p[48:], 0x1000)
	}
	phdr(0, 5, 0)      // R+X code
	phdr(1, 6, 0x1000) // R+W data
	for off, code := range stubCode {
		copy(img[off:], code)
	}
	// struct sigaction { handler = SIG_IGN; flags; restorer; mask }.
	le.PutUint64(img[0x1000:], 1)
	return img
}

// writeStub puts the stub image into a sealed memfd and returns it.
func writeStub() (int, error) {
	fd, err := unix.MemfdCreate("moat-stub", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return -1, fmt.Errorf("memfd_create for stub: %w", err)
	}
	img := stubELF()
	if n, err := unix.Write(fd, img); err != nil || n != len(img) {
		unix.Close(fd)
		return -1, fmt.Errorf("write stub image: %v", err)
	}
	return fd, nil
}
