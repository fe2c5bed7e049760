// goroutines: main.spawnWorkers starts 10 000 goroutines; each runs main.worker, recurses
// 32 frames deep through main.descend (each frame holds a 256-byte array) and then blocks on
// a channel receive. Every goroutine's stack grows to 16 KiB: StackInuse ≈ 160 MiB, outside
// the heap profile entirely (which only shows the goroutine descriptors from runtime.malg).
//
// base: only the main goroutine. later: 10 000 blocked goroutines, after runtime.GC().
package main

import (
	"fmt"
	"runtime"
	"sync"

	"heapdiff/samples/internal/snap"
)

const (
	workers = 10000
	depth   = 32
)

// MemProfileRate stays at the default (512 KiB): stacks are not heap objects and never
// appear in the heap profile; the default rate shows the goroutine descriptors well enough.

// descend recurses with a 256-byte array in every frame, then parks.
//
//go:noinline
func descend(n int, release <-chan struct{}, ready *sync.WaitGroup) uint64 {
	var frame [32]uint64
	for i := range frame {
		frame[i] = uint64(n + i)
	}
	if n == 0 {
		ready.Done()
		<-release
		return frame[0]
	}
	return descend(n-1, release, ready) + frame[n%32]
}

//go:noinline
func worker(release <-chan struct{}, ready *sync.WaitGroup, done *sync.WaitGroup) {
	defer done.Done()
	descend(depth, release, ready)
}

//go:noinline
func spawnWorkers(n int, release <-chan struct{}, done *sync.WaitGroup) {
	var ready sync.WaitGroup
	ready.Add(n)
	done.Add(n)
	for i := 0; i < n; i++ {
		go worker(release, &ready, done)
	}
	ready.Wait()
}

func main() {
	out := snap.OutDir()

	runtime.GC()
	snap.Write(out + "/base")

	release := make(chan struct{})
	var done sync.WaitGroup
	spawnWorkers(workers, release, &done)
	runtime.GC()
	snap.Write(out + "/later")

	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("goroutines: %d goroutines, StackInuse %d MiB\n", runtime.NumGoroutine(), ms.StackInuse>>20)
	close(release)
	done.Wait()
}
