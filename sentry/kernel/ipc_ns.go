package kernel

import "sync/atomic"

// ipcExitHook is set by sentry/ipc (which the kernel cannot import) to
// apply a process's System V semaphore adjustments (SEM_UNDO) when it
// exits.
var ipcExitHook atomic.Pointer[func(*Kernel, *ThreadGroup)]

// SetIPCExitHook installs the function run by runIPCExitHook.
func SetIPCExitHook(fn func(*Kernel, *ThreadGroup)) { ipcExitHook.Store(&fn) }

// runIPCExitHook runs the System V IPC exit work for tg, whose last task
// has exited. Linux does this (exit_sem) in do_exit before the parent is
// notified, so that a parent's wait sees the adjusted semaphores. It must
// be called from Task.exit once tg has no tasks left, with no kernel lock
// held (the hook takes the IPC namespace's locks, and those may take k.mu),
// before tg becomes a zombie and its parent is signalled.
func (tg *ThreadGroup) runIPCExitHook() {
	if fn := ipcExitHook.Load(); fn != nil {
		(*fn)(tg.k, tg)
	}
}
