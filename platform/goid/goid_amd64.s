#include "textflag.h"

// func current() uintptr
// The runtime keeps the current goroutine's descriptor in thread-local
// storage; (TLS) addresses it on linux/amd64.
TEXT ·current(SB), NOSPLIT, $0-8
	MOVQ (TLS), AX
	MOVQ AX, ret+0(FP)
	RET
