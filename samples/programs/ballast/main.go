// ballast: the old "GC ballast" trick. main.allocBallast allocates a 512 MiB []byte that is
// kept alive in a global and never written. Go counts all of it (HeapAlloc, HeapInuse, Sys;
// it also raises the heap goal to ≈ 1 GiB, so the request churn below runs without a single
// GC), but its pages were never touched, so they are not resident: Sys − HeapReleased is
// ≈ 512 MiB above VmRSS.
//
// The ballast is allocated first thing in main, as the trick is meant to be used: the pages
// it gets have never been used, so the runtime knows they are zero and does not clear
// them. Allocated after the heap has grown and shrunk, it can start on freed (dirty) pages;
// the runtime then zeroes the whole span and all 512 MiB become resident (seen while
// writing this sample in about half the runs that allocated it after a churn phase:
// VmRSS 605 MB instead of 81 MB).
//
// base: ballast plus a small working set (main.buildWorkingSet, 8 MiB), after runtime.GC().
// later: after 64 MiB of request churn (main.handle), then runtime.GC(). The churned
// garbage stays resident as free-but-retained heap (HeapIdle − HeapReleased), so VmRSS
// grows by ≈ 64 MiB, but stays ≈ 512 MiB below Sys − HeapReleased.
package main

import (
	"fmt"
	"runtime"

	"heapdiff/samples/internal/snap"
)

const (
	ballastBytes = 512 << 20
	workingBytes = 8 << 20
	churnBytes   = 64 << 20
	requestBytes = 2048
)

// MemProfileRate stays at the default (512 KiB): the ballast is one 512 MiB object, always
// sampled; the working set is estimated to about ±25 %, which is not the point here.

var (
	ballast    []byte
	workingSet [][]byte
	lastReply  []byte // the most recent reply; earlier ones are garbage
)

//go:noinline
func allocBallast() []byte {
	return make([]byte, ballastBytes) // never written: its pages never become resident
}

//go:noinline
func buildWorkingSet() [][]byte {
	ws := make([][]byte, workingBytes/4096)
	for i := range ws {
		ws[i] = make([]byte, 4096)
		for j := 0; j < 4096; j += 256 {
			ws[i][j] = byte(i + j)
		}
	}
	return ws
}

// handle serves one request with a short-lived reply buffer. (Publishing it in lastReply
// makes it escape; a non-escaping constant-size buffer would live on the stack.)
//
//go:noinline
func handle(n int) {
	buf := make([]byte, requestBytes)
	for i := 0; i < len(buf); i += 64 {
		buf[i] = byte(n) ^ workingSet[n%len(workingSet)][0]
	}
	lastReply = buf
}

func churn() {
	for i := 0; i < churnBytes/requestBytes; i++ {
		handle(i)
	}
}

func numGC() uint32 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.NumGC
}

func main() {
	ballast = allocBallast() // first: fresh pages, never zeroed, never resident
	out := snap.OutDir()

	workingSet = buildWorkingSet()
	runtime.GC()
	snap.Write(out + "/base")

	n0 := numGC()
	churn()
	n1 := numGC()
	runtime.GC()
	snap.Write(out + "/later")
	fmt.Printf("ballast: %d GCs during 64 MiB of churn\n", n1-n0)
	runtime.KeepAlive(ballast)
}
