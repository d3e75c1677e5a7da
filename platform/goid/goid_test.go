package goid

import (
	"runtime"
	"sync"
	"testing"
)

func TestCurrent(t *testing.T) {
	tests := []struct {
		name string
		// move runs between two readings of Current on one goroutine.
		move func()
	}{
		{"nothing", func() {}},
		{"yield", runtime.Gosched},
		{"lock and unlock the thread", func() { runtime.LockOSThread(); runtime.UnlockOSThread() }},
		{"block", func() { ch := make(chan int); go func() { ch <- 1 }(); <-ch }},
		{"grow the stack", func() { deep(2000) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const n = 8
			ids := make(chan uintptr)
			release := make(chan struct{})
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					before := Current()
					tt.move()
					if after := Current(); after != before {
						t.Errorf("goroutine %d: id %#x became %#x", i, before, after)
					}
					ids <- before
					// Stay alive until all have sent theirs, so that no
					// descriptor is reused among them.
					<-release
				}()
			}
			got := make([]uintptr, n)
			for i := range got {
				got[i] = <-ids
			}
			close(release)
			wg.Wait()
			seen := map[uintptr]bool{Current(): true}
			for i, id := range got {
				if id == 0 || seen[id] {
					t.Errorf("goroutine %d: id %#x is zero or not unique", i, id)
				}
				seen[id] = true
			}
		})
	}
}

//go:noinline
func deep(n int) int {
	var pad [64]byte
	if n == 0 {
		return int(pad[0])
	}
	return deep(n-1) + int(pad[n%64])
}
