// ballast: the old "GC ballast" trick. main.allocBallast allocates a 512 MiB []byte that is
// kept alive in a global and never written. It raises the heap goal (so the same request
// churn runs far fewer GC cycles) and Go counts all of it (HeapAlloc, HeapInuse, Sys), but
// its pages were never touched, so it is not resident: Sys − HeapReleased is ≈ 512 MiB above
// VmRSS.
//
// base: a small working set (main.buildWorkingSet, 8 MiB) after 64 MiB of request churn
// (main.handle), then runtime.GC(). later: ballast allocated, the same 64 MiB of churn
// again (now without a single GC), then runtime.GC(). The churned garbage stays resident as
// free-but-retained heap (HeapIdle − HeapReleased), so VmRSS is ≈ 80 MB, not 10.
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
	out := snap.OutDir()

	workingSet = buildWorkingSet()
	n0 := numGC()
	churn()
	n1 := numGC()
	runtime.GC()
	snap.Write(out + "/base")

	ballast = allocBallast()
	runtime.GC() // sets the heap goal from the new live heap (ballast included)
	n2 := numGC()
	churn()
	n3 := numGC()
	runtime.GC()
	snap.Write(out + "/later")
	fmt.Printf("ballast: GCs during 64 MiB of churn: %d without ballast, %d with\n", n1-n0, n3-n2)
	runtime.KeepAlive(ballast)
}
