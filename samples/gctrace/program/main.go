// gctrace sample program: run it with GODEBUG=gctrace=1 and capture stderr to get a real
// gctrace log in which the runtime's "gc N @..." lines are mixed with the program's own
// output, as in a service's log.
//
// Standard library only, and must build with Go 1.19 (no min/max builtins, no slices
// package, no newer runtime APIs), so that the same source yields a log per Go version.
//
// Timeline (about 3 s; phases are driven by wall-clock time so every version runs as long):
//
//	0.0–0.8 s  grow:    a pointer-heavy tree grows to 200k nodes (~35 MiB live) while
//	                    workers churn short-lived garbage
//	0.8 s      runtime.GC()                                   -> "(forced)"
//	0.8–1.4 s  hold:    the tree stays; 32 goroutines park on deep stacks (~16 MiB of
//	                    stack); a 2 MiB global pointer table points into the tree
//	1.4 s      the stack goroutines return; 3/4 of the tree is dropped; runtime.GC()
//	1.4–2.0 s  shrink:  churn plus bursts of large short-lived buffers
//	2.0 s      the tree is dropped; debug.FreeOSMemory()      -> "(forced)"
//	2.0–2.7 s  regrow:  a pointer-free live heap of 2 MiB buffers grows to ~48 MiB
//	2.7 s      workers stop; runtime.GC(); summary line
//
// Peak RSS stays well under 300 MiB.
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

type node struct {
	left, right *node
	next        *node
	key         int
	payload     []byte
}

// globalIndex is scannable global data (2 MiB of pointers on 64-bit): "MB globals".
var globalIndex [1 << 18]*node

// sinks keep the workers' allocations from being stack-allocated.
var sinks [8]interface{}

var start = time.Now()

func logf(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "%6.3fs "+format+"\n", append([]interface{}{time.Since(start).Seconds()}, args...)...)
}

// worker churns short-lived allocations of mixed shapes until stop is closed.
func worker(id int, stop <-chan struct{}, bursts *int32, wg *sync.WaitGroup) {
	defer wg.Done()
	var items, batches int
	nextReport := time.Now().Add(300 * time.Millisecond)
	seed := uint32(id*2654435761 + 1)
	for {
		select {
		case <-stop:
			logf("worker %d: stopping after %d items in %d batches", id, items, batches)
			return
		default:
		}
		// One batch: a few hundred small objects, some slices, a small map.
		batch := make([]*node, 0, 64)
		for i := 0; i < 256; i++ {
			seed = seed*1664525 + 1013904223
			n := &node{key: int(seed)}
			if i%4 == 0 {
				n.payload = make([]byte, 64+int(seed%1024))
			}
			if len(batch) < cap(batch) {
				batch = append(batch, n)
			}
			items++
		}
		m := make(map[int]*node, 32)
		for i, n := range batch {
			if i%2 == 0 {
				m[n.key] = n
			}
		}
		sinks[id%len(sinks)] = m
		if atomic.LoadInt32(bursts) != 0 && batches%64 == 0 {
			// A large short-lived pointer-free buffer (goes straight to a large span).
			buf := make([]byte, 4<<20)
			buf[len(buf)-1] = byte(batches)
			sinks[(id+4)%len(sinks)] = buf
		}
		batches++
		if time.Now().After(nextReport) {
			logf("worker %d: processed %d items", id, items)
			nextReport = time.Now().Add(300 * time.Millisecond)
		}
		// Throttle a little so the log stays at a few dozen cycles per phase.
		if batches%32 == 0 {
			time.Sleep(200 * time.Microsecond)
		}
	}
}

// deep recurses with a 1 KiB frame until depth reaches 0, then parks until release is closed.
func deep(depth int, release <-chan struct{}, ready *sync.WaitGroup) byte {
	var frame [1024]byte
	frame[depth%len(frame)] = byte(depth)
	if depth == 0 {
		ready.Done()
		<-release
		return frame[0]
	}
	return deep(depth-1, release, ready) + frame[depth%len(frame)]
}

func insert(root **node, n *node) {
	p := root
	for *p != nil {
		if n.key < (*p).key {
			p = &(*p).left
		} else {
			p = &(*p).right
		}
	}
	*p = n
}

func memLine(what string) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	logf("main: %s: heap alloc %d MiB, sys %d MiB, stack %d MiB, numGC %d (forced %d)",
		what, ms.HeapAlloc>>20, ms.Sys>>20, ms.StackInuse>>20, ms.NumGC, ms.NumForcedGC)
}

func untilElapsed(t time.Duration) time.Duration {
	return t - time.Since(start)
}

func main() {
	logf("main: starting, GOMAXPROCS=%d, %s", runtime.GOMAXPROCS(0), runtime.Version())

	stop := make(chan struct{})
	var bursts int32
	var wg sync.WaitGroup
	const workers = 3
	for i := 1; i <= workers; i++ {
		wg.Add(1)
		go worker(i, stop, &bursts, &wg)
	}

	// Phase grow: a pointer-heavy tree (plus a linked list through it).
	logf("main: phase grow")
	var root, head *node
	count := 0
	seed := uint32(12345)
	const target = 200000
	for time.Since(start) < 800*time.Millisecond {
		if count < target {
			for i := 0; i < 2000 && count < target; i++ {
				seed = seed*1103515245 + 12345
				n := &node{key: int(seed >> 1), payload: make([]byte, 128), next: head}
				head = n
				insert(&root, n)
				count++
			}
			if count%50000 == 0 {
				logf("main: tree has %d nodes", count)
			}
		}
		time.Sleep(time.Millisecond)
	}
	memLine("grown")
	runtime.GC()
	memLine("after runtime.GC")

	// Phase hold: keep the tree; park goroutines on deep stacks; fill the global table.
	logf("main: phase hold")
	i := 0
	for n := head; n != nil && i < len(globalIndex); n = n.next {
		globalIndex[i] = n
		i++
	}
	release := make(chan struct{})
	var ready, stacksDone sync.WaitGroup
	const stackers = 32
	for s := 0; s < stackers; s++ {
		ready.Add(1)
		stacksDone.Add(1)
		go func() {
			defer stacksDone.Done()
			deep(400, release, &ready)
		}()
	}
	ready.Wait()
	logf("main: %d goroutines parked on deep stacks", stackers)
	memLine("holding")
	time.Sleep(untilElapsed(1400 * time.Millisecond))

	// Shrink: release the stacks, drop 3/4 of the tree, force a cycle.
	close(release)
	stacksDone.Wait()
	logf("main: stack goroutines returned")
	root = nil
	kept := 0
	var prev *node
	for n := head; n != nil; n = n.next {
		n.left, n.right = nil, nil
		if n.key%4 == 0 {
			if prev == nil {
				head = n
			} else {
				prev.next = n
			}
			prev = n
			insert(&root, n)
			kept++
		}
	}
	if prev != nil {
		prev.next = nil
	}
	for j := range globalIndex {
		if globalIndex[j] != nil && globalIndex[j].key%4 != 0 {
			globalIndex[j] = nil
		}
	}
	logf("main: dropped tree to %d nodes", kept)
	runtime.GC()
	memLine("after shrink")

	logf("main: phase shrink (burst allocations on)")
	atomic.StoreInt32(&bursts, 1)
	time.Sleep(untilElapsed(2000 * time.Millisecond))
	atomic.StoreInt32(&bursts, 0)

	// Drop everything and give memory back to the OS.
	root, head, prev = nil, nil, nil
	for j := range globalIndex {
		globalIndex[j] = nil
	}
	logf("main: tree dropped, calling debug.FreeOSMemory")
	debug.FreeOSMemory()
	memLine("after FreeOSMemory")

	// Phase regrow: a pointer-free live heap of 2 MiB buffers.
	logf("main: phase regrow")
	var buffers [][]byte
	for time.Since(start) < 2700*time.Millisecond {
		if len(buffers) < 24 {
			b := make([]byte, 2<<20)
			for k := 0; k < len(b); k += 4096 {
				b[k] = 1
			}
			buffers = append(buffers, b)
			if len(buffers)%8 == 0 {
				logf("main: holding %d buffers (%d MiB)", len(buffers), len(buffers)*2)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}

	close(stop)
	wg.Wait()
	buffers = nil
	runtime.GC()
	memLine("done")
	runtime.KeepAlive(buffers)
}
