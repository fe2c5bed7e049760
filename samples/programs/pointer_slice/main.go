// pointer_slice: two slices of 8 Mi words (64 MiB each). main.allocValues makes a []int:
// pointer-free, so the GC marks it in O(1) without reading it. main.allocPointers makes a
// []*int whose every element points to its own int: the GC must read all 64 MiB and chase
// 8 Mi pointers on every cycle. (Seed story: a 12 GB []*int made the GC fall behind while a
// []int of the same size cost nothing.) The heap profile shows two sites of about the same
// size (plus the ints themselves) and cannot tell them apart; gctrace's mark CPU,
// /gc/scan/heap and GCCPUFraction can.
//
// base: only the []int is live, after 3 forced GCs. later: the []*int added, after 3 more
// forced GCs. Compare the mark-phase clock/CPU of the forced gctrace lines before and after.
package main

import (
	"fmt"
	"runtime"
	"time"

	"heapdiff/samples/internal/snap"
)

const words = 8 << 20 // 8 Mi elements × 8 B = 64 MiB per slice

// MemProfileRate stays at the default (512 KiB): the two 64 MiB slices are single large
// objects, sampled with probability ≈ 1, and the 8 Mi ints (64 MiB of 16-byte tiny blocks)
// are estimated to about ±9 %, which is enough for this story.

var (
	values   []int
	pointers []*int
)

//go:noinline
func allocValues() []int {
	v := make([]int, words)
	for i := range v {
		v[i] = i
	}
	return v
}

//go:noinline
func allocPointers() []*int {
	p := make([]*int, words)
	for i := range p {
		x := new(int)
		*x = i
		p[i] = x
	}
	return p
}

func forcedGCs(label string, n int) {
	for i := 0; i < n; i++ {
		t := time.Now()
		runtime.GC()
		fmt.Printf("pointer_slice: %s runtime.GC() took %v\n", label, time.Since(t).Round(10*time.Microsecond))
	}
}

func main() {
	out := snap.OutDir()

	values = allocValues()
	forcedGCs("[]int only", 3)
	snap.Write(out + "/base")

	pointers = allocPointers()
	forcedGCs("[]int + []*int", 3)
	snap.Write(out + "/later")
	runtime.KeepAlive(values)
	runtime.KeepAlive(pointers)
}
