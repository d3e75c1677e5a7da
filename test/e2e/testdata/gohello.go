// Command gohello exercises the Go runtime inside the sandbox: goroutines
// on several threads, a mutex, timers and a channel.
package main

import (
	"fmt"
	"sync"
	"time"
)

func main() {
	var wg sync.WaitGroup
	var mu sync.Mutex
	n := 0
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 1000; j++ {
				mu.Lock()
				n++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	done := make(chan struct{})
	time.AfterFunc(5*time.Millisecond, func() { close(done) })
	<-done
	fmt.Println("hello from go", n)
}
