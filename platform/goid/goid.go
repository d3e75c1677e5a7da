// Package goid names the calling goroutine. The sentry keys its maps of
// "who is calling" (the task behind a driver call, a task's own stub
// thread) by goroutine rather than by OS thread, so that task goroutines
// need not be locked to their threads: a locked goroutine can only be
// woken by handing its thread a CPU, which costs a host wake-up per
// blocking system call.
package goid

// Current returns an identifier of the calling goroutine: the address of
// its runtime descriptor. It is unique among live goroutines and fixed
// for a goroutine's life; the runtime reuses it after the goroutine ends,
// so maps keyed by it must drop the key before then.
func Current() uintptr { return current() }

func current() uintptr
