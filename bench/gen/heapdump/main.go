// heapdump: a Go process that builds a heap of about -heap bytes with a heap-like pointer
// structure and writes it with runtime/debug.WriteHeapDump, for bench/retained.
//
//	heapdump -heap 1GiB -out FILE [-seed N]
//
// The heap is groups of entries (a service's sessions, caches, indexes):
//
//   - Group{entries []*Entry, index map[int64]*Entry (one group in 8), parent *Group, name}
//   - Entry{next, peer *Entry, owner *Group, payload []byte, name string, id}: a list per
//     group (next), back-pointers to the group (owner: cycles), and half the entries point to
//     a random recent entry of any group (peer: shared children, cross-group cycles)
//   - each entry's payload (16-256 bytes, one in 32 a 1-4 KiB blob) and name (8-40 bytes)
//     are pointer-free leaves
//
// Roots of every kind heapdiff groups by: most groups in a global slice (main.registry), a
// global map of one entry in 32 (main.byID), groups held only by the stack of 8 blocked
// goroutines (main.holdGroups), and 64 groups kept only by a finalizer whose closure refers
// to them. Only live objects are allocated (the GC is off while building, and one GC runs
// before the dump), so the process's peak is about the heap: 1 GiB needs about 1.1 GiB.
// The build is deterministic for a seed; it prints one line: objects, HeapAlloc, file size.
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
)

type Group struct {
	entries []*Entry
	index   map[int64]*Entry
	parent  *Group
	name    string
}

type Entry struct {
	next    *Entry
	peer    *Entry
	owner   *Group
	payload []byte
	name    string
	id      int64
}

var (
	registry []*Group
	byID     = map[int64]*Entry{}
	recent   [4096]*Entry // peers are picked from here; cleared before the dump
	handOff  = make(chan []*Group)
	release  = make(chan struct{})
)

var payloadSizes = [...]int{16, 24, 32, 48, 64, 96, 128, 256}

// holdGroups keeps its groups in a local variable only, blocked until the process ends.
//
//go:noinline
func holdGroups(done chan<- struct{}) {
	groups := <-handOff
	done <- struct{}{}
	<-release
	runtime.KeepAlive(groups)
}

// keepByFinalizer makes g reachable only from a finalizer's closure.
//
//go:noinline
func keepByFinalizer(g *Group) {
	h := &struct{ g *Group }{g}
	runtime.SetFinalizer(h, func(*struct{ g *Group }) { _ = h.g })
}

func newEntry(rng *rand.Rand, g *Group, id int64) *Entry {
	var buf [40]byte
	n := 8 + rng.IntN(33)
	for i := range n {
		buf[i] = byte('a' + rng.IntN(26))
	}
	size := payloadSizes[rng.IntN(len(payloadSizes))]
	if rng.IntN(32) == 0 {
		size = 1024 + rng.IntN(3072)
	}
	e := &Entry{owner: g, payload: make([]byte, size), name: string(buf[:n]), id: id}
	e.payload[0] = byte(id)
	if rng.IntN(2) == 0 {
		e.peer = recent[rng.IntN(len(recent))]
	}
	recent[id%int64(len(recent))] = e
	if id%32 == 0 {
		byID[id] = e
	}
	return e
}

func newGroup(rng *rand.Rand, id *int64, parent *Group) *Group {
	n := 200 + rng.IntN(1800)
	g := &Group{entries: make([]*Entry, n), parent: parent,
		name: "group-" + strconv.Itoa(rng.IntN(1<<30))}
	if rng.IntN(8) == 0 {
		g.index = make(map[int64]*Entry, n/4)
	}
	var prev *Entry
	for i := range g.entries {
		e := newEntry(rng, g, *id)
		*id++
		e.next = prev
		prev = e
		g.entries[i] = e
		if g.index != nil && i%4 == 0 {
			g.index[e.id] = e
		}
	}
	return g
}

func parseSize(text string) (uint64, error) {
	units := map[string]uint64{"": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}
	num := strings.TrimRight(text, "KMGiB")
	unit, ok := units[text[len(num):]]
	v, err := strconv.ParseUint(num, 10, 64)
	if !ok || err != nil || v == 0 {
		return 0, fmt.Errorf("-heap %q: a size such as 100MiB or 1GiB", text)
	}
	return v * unit, nil
}

func main() {
	heapFlag := flag.String("heap", "100MiB", "live heap to build (100MiB, 1GiB, bytes)")
	out := flag.String("out", "", "the dump file to write")
	seed := flag.Uint64("seed", 1, "the build's random seed")
	flag.Parse()
	target, err := parseSize(*heapFlag)
	if err != nil || *out == "" {
		fmt.Fprintln(os.Stderr, "heapdump: -heap SIZE -out FILE; ", err)
		os.Exit(2)
	}
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "heapdump:", err)
		os.Exit(1)
	}
	start := time.Now()
	debug.SetGCPercent(-1)                                  // only live objects are made: no GC needed
	debug.SetMemoryLimit(int64(target + target/4 + 64<<20)) // but never far past the heap

	rng := rand.New(rand.NewPCG(*seed, 0x5eed))
	var id int64
	var groups []*Group
	var ms runtime.MemStats
	for {
		var parent *Group
		if len(groups) > 0 && rng.IntN(4) == 0 {
			parent = groups[rng.IntN(len(groups))]
		}
		groups = append(groups, newGroup(rng, &id, parent))
		if len(groups)%8 == 0 {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc >= target {
				break
			}
		}
	}
	// Roots: 8 goroutines hold 1% of the groups each; 64 groups are kept by finalizers only;
	// the rest are in the registry.
	done := make(chan struct{})
	share := len(groups) / 100
	for i := 0; i < 8; i++ {
		go holdGroups(done)
		handOff <- append([]*Group(nil), groups[i*share:(i+1)*share]...)
		<-done
	}
	rest := groups[8*share:]
	for _, g := range rest[:64] {
		keepByFinalizer(g)
	}
	registry = append([]*Group(nil), rest[64:]...)
	groups, rest, recent = nil, nil, [4096]*Entry{}
	runtime.GC()
	runtime.ReadMemStats(&ms)
	built := time.Since(start)
	debug.WriteHeapDump(f.Fd())
	info, err := f.Stat()
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "heapdump:", err)
		os.Exit(1)
	}
	fmt.Printf("%s: %d objects, %d bytes HeapAlloc, %d bytes written, %d entries, built in "+
		"%.1f s, dumped in %.1f s\n", *out, ms.HeapObjects, ms.HeapAlloc, info.Size(), id,
		built.Seconds(), (time.Since(start) - built).Seconds())
	close(release)
}
