// Package abi defines the Linux ABI the sentry implements: syscall numbers,
// errnos, constants and structs that golang.org/x/sys/unix lacks.
package abi

//go:generate go run ./gen/sysno -in /usr/include/x86_64-linux-gnu/asm/unistd_64.h -out sysno_amd64.go
