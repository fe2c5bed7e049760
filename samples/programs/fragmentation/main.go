// fragmentation: main.allocPairs allocates 1 Mi objects of 16 bytes (16 MiB; pointer-free
// but not tiny-allocated, since the tiny allocator takes only objects < 16 B), then
// main.keepSome keeps every 512th and the rest are dropped. After runtime.GC() about 2048
// live objects (32 KiB) still pin nearly every one of the ~2080 8 KiB spans they were
// allocated in: HeapInuse − HeapAlloc ≈ 16 MiB of free slots that cannot be returned.
//
// base: all pairs live (after runtime.GC()). later: only the kept ones (after runtime.GC()).
package main

import (
	"fmt"
	"runtime"

	"heapdiff/samples/internal/snap"
)

// pair is 16 bytes without pointers: size class 2 (16 B), noscan.
type pair struct{ a, b uint64 }

const (
	total     = 1 << 20
	keepEvery = 512
)

var (
	all  []*pair
	kept []*pair
)

//go:noinline
func allocPairs(n int) []*pair {
	ps := make([]*pair, n)
	for i := range ps {
		ps[i] = &pair{uint64(i), uint64(i) * 3}
	}
	return ps
}

//go:noinline
func keepSome(ps []*pair, every int) []*pair {
	k := make([]*pair, 0, len(ps)/every)
	for i := 0; i < len(ps); i += every {
		k = append(k, ps[i])
	}
	return k
}

func main() {
	// Sample every 512 bytes on average: the story is about 2048 surviving 16-byte objects,
	// 32 KiB in all. At the default 512 KiB rate the profile would expect 0.06 samples of
	// them, at 4 KiB it would be off by ±35 %; at 512 B about 64 of them are sampled (±12 %).
	// (Rate 1 would be exact, but then the snapshot's own allocations fill the profile with
	// over a thousand records and trigger GC cycles while it is being taken.)
	runtime.MemProfileRate = 512
	out := snap.OutDir()

	all = allocPairs(total)
	runtime.GC()
	snap.Write(out + "/base")

	kept = keepSome(all, keepEvery)
	all = nil
	runtime.GC()
	snap.Write(out + "/later")

	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("fragmentation: kept %d pairs; HeapInuse %d, HeapAlloc %d, HeapInuse-HeapAlloc %d\n",
		len(kept), ms.HeapInuse, ms.HeapAlloc, ms.HeapInuse-ms.HeapAlloc)
	runtime.KeepAlive(kept)
}
