// garbage_since_gc: a service with a 16 MiB live index (main.loadIndex) runs with a very high
// GOGC (debug.SetGCPercent(5000)). After a GC it renders pages, allocating 200 MiB of
// short-lived 8 KiB buffers (main.renderPage) that are dropped at once. No GC runs before
// the later snapshot, so MemStats.HeapAlloc (instantaneous, includes unswept garbage) is
// ≈ 216 MiB while the heap profile, which describes the heap as of the last GC, still shows
// ≈ 16 MiB in use: the gap is garbage, not a leak.
//
// base: right after runtime.GC(). later: after the 200 MiB of garbage, with the same NumGC.
package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"heapdiff/samples/internal/snap"
)

const (
	indexBytes   = 16 << 20
	pageSize     = 8 << 10
	garbageBytes = 200 << 20
)

// MemProfileRate stays at the default (512 KiB): the story compares ~16 MiB in use (±3 MiB
// at this rate) with ~216 MiB of HeapAlloc, which no sampling error can blur.

var (
	index    [][]byte
	lastPage []byte // the most recent page, kept for the access log; every earlier one is garbage
)

//go:noinline
func loadIndex() [][]byte {
	idx := make([][]byte, indexBytes/4096)
	for i := range idx {
		idx[i] = make([]byte, 4096)
		idx[i][0] = byte(i)
	}
	return idx
}

// renderPage fills a page buffer; it becomes garbage as soon as the next page is rendered.
// (Publishing it in lastPage also makes it escape: a non-escaping constant-size buffer
// would be put on the stack by the compiler and never reach the heap.)
//
//go:noinline
func renderPage(n int) {
	buf := make([]byte, pageSize)
	for i := 0; i < len(buf); i += 512 {
		buf[i] = byte(n + i)
	}
	lastPage = buf
}

func main() {
	out := snap.OutDir()

	index = loadIndex()
	runtime.GC()
	snap.Write(out + "/base")

	// Goal ≈ live × 51 ≈ 850 MiB: the 200 MiB below cannot trigger a cycle.
	debug.SetGCPercent(5000)
	for i := 0; i < garbageBytes/pageSize; i++ {
		renderPage(i)
	}
	snap.Write(out + "/later")

	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("garbage_since_gc: NumGC %d, HeapAlloc %d\n", ms.NumGC, ms.HeapAlloc)
	runtime.KeepAlive(index)
}
