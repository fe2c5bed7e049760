// gc_thrash: a small live heap (≈ 4 MiB of records, main.buildLiveSet) and a very high
// allocation rate (main.parseRecord: every call allocates a record and its fields and drops
// them), ≈ 2 GiB in a few seconds. With GOGC=100 the heap goal is only ≈ 8–12 MiB, so the
// GC runs every few MiB of allocation: one to several hundred cycles per second (how many
// depends on how busy the machine is: slower marking means more floating garbage and a
// higher goal).
//
// base: live set built, after runtime.GC(). later: after the churn (no forced GC).
package main

import (
	"fmt"
	"runtime"
	"strconv"
	"time"

	"heapdiff/samples/internal/snap"
)

const (
	liveRecords = 32 << 10 // 32 Ki × 128 B ≈ 4 MiB
	// A fixed amount of work (≈ 2 GiB of allocations, a few seconds) rather than a fixed
	// time, so that the number of GC cycles does not depend on how busy the machine is.
	churnCalls = 7 << 20
)

// MemProfileRate stays at the default (512 KiB): the allocation volume is in the GB, so
// alloc_space is estimated well, and the story is told by gctrace and MemStats.

type record struct {
	id     int
	name   string
	fields []string
	pad    [64]byte
}

var (
	live []*record
	last *record // the most recently parsed record; every earlier one is garbage
)

// buildLiveSet makes the long-lived records. (A slice rather than one linked list: the GC
// can mark a slice's elements in parallel, but must walk a list one node after another,
// which would make every mark phase take several ms and the cycle count erratic.)
//
//go:noinline
func buildLiveSet() []*record {
	recs := make([]*record, liveRecords)
	for i := range recs {
		recs[i] = &record{id: i, name: "live"}
	}
	return recs
}

// parseRecord turns a line into a record that is dropped as soon as the next one is parsed.
// (Publishing it in last makes it escape; a non-escaping record would live on the stack.)
//
//go:noinline
func parseRecord(i int) {
	r := &record{id: i, name: "record-" + strconv.Itoa(i)}
	r.fields = make([]string, 8)
	for j := range r.fields {
		r.fields[j] = strconv.Itoa(i + j)
	}
	last = r
}

func main() {
	out := snap.OutDir()

	live = buildLiveSet()
	runtime.GC()
	snap.Write(out + "/base")
	var before runtime.MemStats
	runtime.ReadMemStats(&before)

	start := time.Now()
	for i := 0; i < churnCalls; i++ {
		parseRecord(i % 1000)
	}
	elapsed := time.Since(start)
	snap.Write(out + "/later")

	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	gcs := after.NumGC - before.NumGC
	fmt.Printf("gc_thrash: %d GCs in %v (%.0f/s), %d MiB allocated, GCCPUFraction %.3f\n",
		gcs, elapsed.Round(time.Millisecond), float64(gcs)/elapsed.Seconds(),
		(after.TotalAlloc-before.TotalAlloc)>>20, after.GCCPUFraction)
	runtime.KeepAlive(live)
}
