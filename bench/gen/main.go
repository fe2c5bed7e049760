// Command gen writes two large, real Go heap profiles for the heapdiff benchmark.
//
// With runtime.MemProfileRate = 1 every allocation is recorded, and the runtime keeps one
// record (one profile sample) per (call stack, object size). The program walks tens of
// thousands of distinct call stacks, 10-40 frames deep, made of a few //go:noinline
// functions that call each other (and themselves) along a path chosen by the digits of a
// path number; at the end of each path a leaf allocates 14-30 object sizes, 1-3 objects
// each, and keeps one object alive in four buckets out of five (the rest is garbage:
// alloc-only samples).
//
//	base.pb.gz   after phase 1 (paths [0, basePaths))
//	later.pb.gz  after phase 2: more allocations on some old stacks (some with new sizes),
//	             new stacks (paths [basePaths, laterPaths)), and some live objects freed
//
//	size-N.pb.gz with -size N: one profile of about N samples (phase 1 only, N/27 paths)
//
// Usage: gen [-out DIR] [-base N] [-later N] | gen [-out DIR] -size N
package main

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"time"
)

// Object sizes: Go size classes, so that each one is recorded as itself.
var sizes = [...]int{
	16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256, 288,
	320, 352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 896,
}

const (
	samplesPerPath = 27 // measured: 1,076,000 samples from 40,000 paths
	minDepth       = 10
	depthSpan      = 31 // depth = minDepth + p%depthSpan: 10..40 generated frames
	digits         = 9  // the first levels spell the path number in base 4: stacks are distinct
)

var (
	kept   [][]byte // live objects (in-use space)
	keptOf [][]int  // path -> indices into kept, so phase 2 can free some
	phase  int
	nBase  int // paths below nBase were walked in phase 1
)

func mix(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

// next picks the callee at a level: the path number's base-4 digits first, then a hash.
func next(p uint64, lvl int) uint64 {
	if lvl < digits {
		return (p >> (2 * lvl)) & 3
	}
	return mix(p*131+uint64(lvl)) & 3
}

// sizeCount is how many object sizes path p allocates (14..30, mean 22).
func sizeCount(p uint64) int { return 14 + int(p%17) }

//go:noinline
func f0(p uint64, lvl, depth int) {
	if lvl >= depth {
		leaf(p)
		return
	}
	switch next(p, lvl) {
	case 0:
		f0(p, lvl+1, depth)
	case 1:
		f1(p, lvl+1, depth)
	case 2:
		f2(p, lvl+1, depth)
	default:
		f3(p, lvl+1, depth)
	}
}

//go:noinline
func f1(p uint64, lvl, depth int) {
	if lvl >= depth {
		leaf(p)
		return
	}
	switch next(p, lvl) {
	case 0:
		f0(p, lvl+1, depth)
	case 1:
		hop(p, lvl, depth) // inlined: this location has two lines (hop, f1)
	case 2:
		f2(p, lvl+1, depth)
	default:
		twoHops(p, lvl, depth) // inlined twice: three lines
	}
}

//go:noinline
func f2(p uint64, lvl, depth int) {
	if lvl >= depth {
		leafInl(p)
		return
	}
	switch next(p, lvl) {
	case 0:
		f0(p, lvl+1, depth)
	case 1:
		f1(p, lvl+1, depth)
	case 2:
		f2(p, lvl+1, depth)
	default:
		f3(p, lvl+1, depth)
	}
}

//go:noinline
func f3(p uint64, lvl, depth int) {
	if lvl >= depth {
		leaf(p)
		return
	}
	switch next(p, lvl) {
	case 0:
		f0(p, lvl+1, depth)
	case 1:
		f1(p, lvl+1, depth)
	case 2:
		f3(p, lvl+1, depth) // recursion from a second call site
	default:
		f3(p, lvl+1, depth)
	}
}

// hop and twoHops are small enough to be inlined into their callers.
func hop(p uint64, lvl, depth int)     { f1(p, lvl+1, depth) }
func twoHops(p uint64, lvl, depth int) { hopTo3(p, lvl, depth) }
func hopTo3(p uint64, lvl, depth int)  { f3(p, lvl+1, depth) }

// mk is inlined into leaf, so the allocating location carries two lines.
func mk(n int) []byte { return make([]byte, n) }

// leafInl reaches the allocation through one more inlined frame.
//
//go:noinline
func leafInl(p uint64) { leafBody(p) }

func leafBody(p uint64) { allocAll(p) }

//go:noinline
func leaf(p uint64) { allocAll(p) }

// allocAll holds the one allocation site (mk inlined) for every size of every path.
//
//go:noinline
func allocAll(p uint64) {
	n := sizeCount(p)
	if phase == 2 && p < uint64(nBase) {
		// an old path allocating again: sometimes with a few sizes it never used
		n += int(p % 4)
		if n > len(sizes) {
			n = len(sizes)
		}
	}
	for j := 0; j < n; j++ {
		k := (int(p)*7 + j) % len(sizes)
		h := mix(p<<8 | uint64(j) | uint64(phase)<<40)
		reps := 1 + int(h%3)
		for r := 0; r < reps; r++ {
			b := mk(sizes[k])
			if r == 0 && h>>8%5 != 0 { // four buckets in five keep an object alive
				keep(p, b)
			}
		}
	}
}

func keep(p uint64, b []byte) {
	for uint64(len(keptOf)) <= p {
		keptOf = append(keptOf, nil)
	}
	keptOf[p] = append(keptOf[p], len(kept))
	kept = append(kept, b)
}

//go:noinline
func walk(p uint64) {
	depth := minDepth + int(p%depthSpan)
	// the first generated frame is chosen by the path too
	switch p % 3 {
	case 0:
		f0(p, 1, depth)
	case 1:
		f2(p, 1, depth)
	default:
		f3(p, 1, depth)
	}
}

// walkAll walks paths [from, to) (those that pass the filter). Every walk starts from this
// one call site, so that phase 2 reaches the very same stacks as phase 1.
//
//go:noinline
func walkAll(from, to int, filter func(int) bool) {
	for p := from; p < to; p++ {
		if filter == nil || filter(p) {
			walk(uint64(p))
		}
	}
}

func write(path string) int {
	runtime.GC()
	f, err := os.Create(path)
	if err != nil {
		fatal(err)
	}
	if err := pprof.WriteHeapProfile(f); err != nil {
		fatal(err)
	}
	if err := f.Close(); err != nil {
		fatal(err)
	}
	return countSamples(path)
}

// countSamples counts the Sample records (Profile field 2) in a gzipped profile.proto.
func countSamples(path string) int {
	f, err := os.Open(path)
	if err != nil {
		fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		fatal(err)
	}
	r := bufio.NewReaderSize(zr, 1<<20)
	n := 0
	for {
		key, err := binary.ReadUvarint(r)
		if err == io.EOF {
			return n
		}
		if err != nil {
			fatal(err)
		}
		switch key & 7 {
		case 0:
			_, err = binary.ReadUvarint(r)
		case 1:
			_, err = r.Discard(8)
		case 5:
			_, err = r.Discard(4)
		case 2:
			var l uint64
			if l, err = binary.ReadUvarint(r); err == nil {
				_, err = r.Discard(int(l))
			}
			if key>>3 == 2 {
				n++
			}
		default:
			err = fmt.Errorf("%s: unexpected wire type %d", path, key&7)
		}
		if err != nil {
			fatal(err)
		}
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "gen:", err)
	os.Exit(1)
}

func main() {
	runtime.MemProfileRate = 1
	debug.SetGCPercent(25) // ~0.5 GiB of live objects: keep the peak well under 1.5 GiB

	out := flag.String("out", ".", "output directory")
	basePaths := flag.Int("base", 22000, "call paths walked before base.pb.gz (~27 samples each)")
	laterPaths := flag.Int("later", 54000, "call paths walked in total before later.pb.gz")
	size := flag.Int("size", 0, "write only size-N.pb.gz, a profile of about N samples")
	flag.Parse()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fatal(err)
	}
	start := time.Now()
	if *size > 0 {
		paths := *size / samplesPerPath
		if paths < 1 {
			paths = 1
		}
		nBase = paths
		phase = 1
		kept = make([][]byte, 0, paths*20)
		walkAll(0, paths, nil)
		name := fmt.Sprintf("size-%d.pb.gz", *size)
		fmt.Printf("%s: %d samples (%.1fs)\n", name, write(filepath.Join(*out, name)), time.Since(start).Seconds())
		runtime.KeepAlive(kept)
		return
	}
	nBase = *basePaths
	kept = make([][]byte, 0, *laterPaths*20)
	keptOf = make([][]int, 0, *laterPaths)

	// One loop, so that every walk starts from the same call site in main: phase 2 must
	// reach the very same stacks as phase 1 where it walks an old path.
	type span struct {
		from, to int
		filter   func(int) bool
	}
	grows := func(p int) bool { return p%6 == 0 || p%6 == 3 }
	phases := []struct {
		file  string
		spans []span
	}{
		{"base.pb.gz", []span{{0, *basePaths, nil}}},
		{"later.pb.gz", []span{{0, *basePaths, grows}, {*basePaths, *laterPaths, nil}}},
	}
	for i, ph := range phases {
		phase = i + 1
		if phase == 2 {
			for p := range keptOf {
				if p%6 == 1 { // these paths free their live objects
					for _, k := range keptOf[p] {
						kept[k] = nil
					}
				}
			}
		}
		t := time.Now()
		for _, sp := range ph.spans {
			walkAll(sp.from, sp.to, sp.filter)
		}
		w := time.Now()
		n := write(filepath.Join(*out, ph.file))
		fmt.Printf("%s: %d samples (allocate %.1fs, write %.1fs)\n", ph.file, n, w.Sub(t).Seconds(), time.Since(w).Seconds())
	}
	runtime.KeepAlive(kept)
	fmt.Printf("total %.1fs\n", time.Since(start).Seconds())
}
