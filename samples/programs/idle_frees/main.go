// idle_frees: a service that has gone idle drops its two large buffers, a 8,642,560-byte
// (main.loadIndex) and a 8,552,448-byte one (main.loadDictionary): 8.2 MiB each to two
// significant digits, 11 pages apart. Between the base and later snapshots it allocates
// nothing that the profiler samples, so both profiles carry identical alloc_objects and
// alloc_space (every stack, every value) while in-use fell by the two buffers. Next to them:
// a table that stays live (main.loadConfig) and garbage from earlier requests
// (main.handleRequest: alloc_* only).
//
// Identical alloc_* totals are the pair on which pprof's -normalize differs from heapdiff:
// its Profile.ScaleN skips the sample types whose ratio is 1 and then drops every sample
// whose scaled values are all 0, so the samples with nothing in use lose their alloc_*
// values too (see README, "One deliberate difference").
//
// The base snapshot is retaken until no sampled allocation happened while it was written
// (the snapshot itself allocates: metrics, gzip, buffers), checked with runtime.MemProfile
// after a GC: the published alloc totals before and after taking it must be equal.
package main

import (
	"fmt"
	"os"
	"runtime"

	"heapdiff/samples/internal/snap"
)

const (
	indexSize      = 1055 * 8192 // 8,642,560 bytes: a large object of exactly 1055 pages
	dictionarySize = 1044 * 8192 // 8,552,448 bytes: 1044 pages
	configBlocks   = 512         // 2 MiB of 4 KiB blocks that stay live
	requests       = 16 << 10    // 64 MiB of 4 KiB request garbage
	maxAttempts    = 2000
)

var (
	index, dictionary []byte
	config            [][]byte
	sink              []byte
)

//go:noinline
func loadIndex() []byte { return filled(make([]byte, indexSize)) }

//go:noinline
func loadDictionary() []byte { return filled(make([]byte, dictionarySize)) }

//go:noinline
func loadConfig() [][]byte {
	cfg := make([][]byte, configBlocks)
	for i := range cfg {
		cfg[i] = filled(make([]byte, 4096))
	}
	return cfg
}

//go:noinline
func handleRequest(i int) {
	b := make([]byte, 4096)
	b[0] = byte(i)
	sink = b
}

func filled(b []byte) []byte {
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	return b
}

// published returns the alloc_space the heap profile publishes now (after a GC). records is
// allocated once by the caller, so that reading it samples nothing itself.
func published(records []runtime.MemProfileRecord) int64 {
	n, ok := runtime.MemProfile(records, true)
	if !ok {
		panic(fmt.Sprintf("idle_frees: %d profile records do not fit in %d", n, len(records)))
	}
	var total int64
	for _, r := range records[:n] {
		total += r.AllocBytes
	}
	return total
}

func settle() {
	runtime.GC()
	runtime.GC()
}

func main() {
	out := snap.OutDir()
	config = loadConfig()
	for i := 0; i < requests; i++ {
		handleRequest(i)
	}
	index, dictionary = loadIndex(), loadDictionary()
	sink = nil

	records := make([]runtime.MemProfileRecord, 1<<14)
	var before int64
	for attempt := 1; ; attempt++ {
		settle()
		before = published(records)
		snap.Write(out + "/base")
		settle()
		if published(records) == before {
			fmt.Printf("idle_frees: base taken without a sampled allocation at attempt %d\n", attempt)
			break
		}
		if attempt == maxAttempts {
			fmt.Fprintf(os.Stderr, "idle_frees: every base snapshot sampled an allocation\n")
			os.Exit(1)
		}
	}

	index, dictionary = nil, nil // the service goes idle: its buffers are dropped
	settle()
	if published(records) != before {
		fmt.Fprintf(os.Stderr, "idle_frees: an allocation was sampled between the snapshots\n")
		os.Exit(1)
	}
	snap.Write(out + "/later")
	runtime.KeepAlive(config)
}
