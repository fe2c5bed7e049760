// retainers: a "realistic" heap with 20 kinds of allocation site, each in its own
// //go:noinline function main.alloc<Kind>, each keeping what it allocates alive in
// package-level variables. Some sites allocate objects that hold pointers (the GC must scan
// them), others pointer-free ("noscan") ones the GC never reads. The heap profile alone
// cannot tell them apart; the binary can (the call into the runtime allocator at each
// site's address passes the type descriptor). The truth, from this source, is
// samples/retainers/expected.json: one entry per alloc function, with "function", "type"
// (what the runtime allocates there, as the runtime names it; for a map or chan, the map or
// chan type), "pointers" (whether the site's dominant in-use bytes hold pointers), "call"
// (the runtime function the site's CALL targets, read from the Go 1.27.3 amd64 binary),
// "note" (the allocating expression), and "leaf" where pprof's innermost frame is another
// function (main.mk[go.shape.…] for the generic sites, the inlined
// strings.(*Builder).WriteString for allocBuilder).
//
// Every site runs twice, in round 0 and round 1, each round allocating half of the site's
// total and keeping it in that round's slot: base is written after round 0, later after
// round 1, so every site about doubles between the snapshots.
//
// Apart from snap.Write, only the alloc functions allocate (with main.mk, the generic
// helper, and the runtime and strings.Builder code they call). What they share (nodes,
// strings, ints to point at) comes from earlier sites or from package-level arrays (BSS,
// not heap), so that each site's in-use bytes are its own allocations.
package main

import (
	"fmt"
	"runtime"
	"strings"

	"heapdiff/samples/internal/snap"
)

const rounds = 2

// Sizes per round; each site holds twice as much at later (~100 MiB in all).
const (
	nodesPerRound    = 64 << 10  // main.Node (32 B): 2 MiB
	flatsPerRound    = 48 << 10  // main.Flat (48 B): 2.25 MiB
	stringsPerRound  = 64 << 10  // 38-byte strings (48 B class): 3 MiB
	mapEntries       = 64 << 10  // map[string]*Node: ~3.5 MiB of groups (200 B per 8 slots)
	intMapEntries    = 128 << 10 // map[int64]int64: ~5 MiB of groups (136 B per 8 slots)
	ptrSliceLen      = 512 << 10 // []*Node: 4 MiB
	valueSliceLen    = 48 << 10  // []Flat: 2.25 MiB
	buffersPerRound  = 256       // []byte of 16 KiB: 4 MiB
	bufferSize       = 16 << 10
	buildersPerRound = 24 // strings.Builder grown past 96 KiB: ~2 MiB
	builderLen       = 96 << 10
	closuresPerRound = 64 << 10  // closure contexts (24 B): 1.5 MiB
	genericLen       = 256 << 10 // mk[*int], mk[int]: 2 MiB each
	appendLen        = 256 << 10 // grown []*Node / []int: 2–2.5 MiB each
	boxedPerRound    = 64 << 10  // boxed Node (32 B) 2 MiB, Flat (48 B) 3 MiB
	boxedInts        = 192 << 10 // boxed int64 (8 B): 1.5 MiB
	chanCap          = 256 << 10 // chan *Node buffer: 2 MiB
	bigPerRound      = 32        // main.Big (64 KiB + 16 B, 72 KiB of pages): 2.25 MiB
	ptrArraysPerRnd  = 64        // [4096]*int (32 KiB): 2 MiB
	intTargets       = 4096      // the ints that pointer sites point at (BSS)
)

// Node holds pointers (Next, and Name's data pointer): 32 bytes.
type Node struct {
	Next *Node
	Name string
	Val  int64
}

// Flat holds none: 48 bytes.
type Flat struct {
	ID, Size, Offset, Count, Min, Max int64
}

// Big is a single large object (> 32 KiB, so allocated as its own span) with pointers.
type Big struct {
	Index  [4096]*Node
	Counts [4096]int64
	Label  string
}

// What the sites keep alive, one slot per round. Arrays of headers live in BSS.
var (
	lists       [rounds]*Node
	flats       [rounds][flatsPerRound]*Flat
	strs        [rounds][stringsPerRound]string
	stringMaps  [rounds]map[string]*Node
	intMaps     [rounds]map[int64]int64
	ptrSlices   [rounds][]*Node
	valueSlices [rounds][]Flat
	buffers     [rounds][buffersPerRound][]byte
	built       [rounds][buildersPerRound]string
	closures    [rounds][closuresPerRound]func() int64
	genPtrs     [rounds][]*int
	genInts     [rounds][]int
	appPtrs     [rounds][]*Node
	appInts     [rounds][]int
	boxedNodes  [rounds][boxedPerRound]any
	boxedFlats  [rounds][boxedPerRound]any
	boxedInt64s [rounds][boxedInts]any
	chans       [rounds]chan *Node
	bigs        [rounds][bigPerRound]*Big
	ptrArrays   [rounds][ptrArraysPerRnd]*[4096]*int

	targets [intTargets]int // what *int pointers point at (BSS, not heap)
)

// nodeIndex indexes round r's list (BSS): nodeAt returns its nodes, cycling, for the sites
// that store *Node.
var nodeIndex [rounds][nodesPerRound]*Node

func nodeAt(r, i int) *Node { return nodeIndex[r][i%nodesPerRound] }

// allocList: &Node{} in a linked list (main.Node, pointers).
//
//go:noinline
func allocList(r int) {
	var head *Node
	for i := 0; i < nodesPerRound; i++ {
		head = &Node{Next: head, Val: int64(i)}
	}
	lists[r] = head
}

// allocFlat: new(Flat) many times (main.Flat, no pointers).
//
//go:noinline
func allocFlat(r int) {
	for i := range flats[r] {
		f := new(Flat)
		f.ID, f.Size = int64(i), 48
		flats[r][i] = f
	}
}

// allocConcat: s1 + s2 in a loop (string bytes, no pointers). The digits are converted
// with string(b) inside the concatenation, which does not allocate on its own.
//
//go:noinline
func allocConcat(r int) {
	const prefix = "customer/region-eu-west/account-" // 32 bytes
	var digits [6]byte
	for i := range strs[r] {
		n := r*stringsPerRound + i
		for j := len(digits) - 1; j >= 0; j-- {
			digits[j] = byte('0' + n%10)
			n /= 10
		}
		strs[r][i] = prefix + string(digits[:])
	}
}

// allocStringMap: map[string]*Node, keys from allocConcat and values from allocList,
// so the bytes here are the map's own (groups of string keys and pointer values).
//
//go:noinline
func allocStringMap(r int) {
	m := make(map[string]*Node)
	for i := 0; i < mapEntries; i++ {
		m[strs[r][i]] = nodeAt(r, i)
	}
	stringMaps[r] = m
}

// allocIntMap: map[int64]int64 (pointer-free groups).
//
//go:noinline
func allocIntMap(r int) {
	m := make(map[int64]int64)
	for i := 0; i < intMapEntries; i++ {
		k := int64(r*intMapEntries + i)
		m[k] = k * 7
	}
	intMaps[r] = m
}

// allocPtrSlice: a big []*Node, every element set.
//
//go:noinline
func allocPtrSlice(r int) {
	s := make([]*Node, ptrSliceLen)
	for i := range s {
		s[i] = nodeAt(r, i)
	}
	ptrSlices[r] = s
}

// allocValueSlice: a big []Flat (no pointers).
//
//go:noinline
func allocValueSlice(r int) {
	s := make([]Flat, valueSliceLen)
	for i := range s {
		s[i].ID = int64(i)
	}
	valueSlices[r] = s
}

// allocBytes: make([]byte, n) buffers.
//
//go:noinline
func allocBytes(r int) {
	for i := range buffers[r] {
		b := make([]byte, bufferSize)
		for j := 0; j < len(b); j += 4096 {
			b[j] = byte(i)
		}
		buffers[r][i] = b
	}
}

// allocBuilder: strings.Builder growth. The runtime allocation happens in
// strings.(*Builder).grow → internal/bytealg.MakeNoZero, which the profile shows as the
// leaf (it is a runtime function linknamed into internal/bytealg).
//
//go:noinline
func allocBuilder(r int) {
	const chunk = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" // 64 B
	for i := range built[r] {
		var b strings.Builder
		for b.Len() < builderLen {
			b.WriteString(chunk)
		}
		built[r][i] = b.String()
	}
}

// allocClosures: closures capturing a pointer (and an int): the context struct
// {F uintptr; n *Node; k int64} is allocated here.
//
//go:noinline
func allocClosures(r int) {
	for i := range closures[r] {
		n := nodeAt(r, i)
		k := int64(i)
		closures[r][i] = func() int64 { return n.Val + k }
	}
}

// mk is the generic site: instantiated with *int (shape go.shape.*uint8, pointers) and
// with int (shape go.shape.int, none). The profile's leaf is main.mk[go.shape.…], called
// from allocGenericPtrs / allocGenericInts.
//
//go:noinline
func mk[T any](n int) []T {
	return make([]T, n)
}

//go:noinline
func allocGenericPtrs(r int) {
	s := mk[*int](genericLen)
	for i := range s {
		s[i] = &targets[i%intTargets]
	}
	genPtrs[r] = s
}

//go:noinline
func allocGenericInts(r int) {
	s := mk[int](genericLen)
	for i := range s {
		s[i] = i
	}
	genInts[r] = s
}

// allocAppendPtrs: append growing a []*Node from nil.
//
//go:noinline
func allocAppendPtrs(r int) {
	var s []*Node
	for i := 0; i < appendLen; i++ {
		s = append(s, nodeAt(r, i))
	}
	appPtrs[r] = s
}

// allocAppendInts: append growing a []int from nil.
//
//go:noinline
func allocAppendInts(r int) {
	var s []int
	for i := 0; i < appendLen; i++ {
		s = append(s, i)
	}
	appInts[r] = s
}

// allocBoxNode: interface boxing of Node values (a copy of the Node: pointers).
//
//go:noinline
func allocBoxNode(r int) {
	for i := range boxedNodes[r] {
		n := *nodeAt(r, i)
		n.Val = int64(i)
		boxedNodes[r][i] = n
	}
}

// allocBoxFlat: interface boxing of Flat values (no pointers).
//
//go:noinline
func allocBoxFlat(r int) {
	for i := range boxedFlats[r] {
		boxedFlats[r][i] = Flat{ID: int64(i), Size: 48}
	}
}

// allocBoxInt64: interface boxing of int64 values ≥ 256 (smaller ones use the runtime's
// static table and do not allocate): 8-byte pointer-free objects, tiny allocator.
//
//go:noinline
func allocBoxInt64(r int) {
	for i := range boxedInt64s[r] {
		boxedInt64s[r][i] = int64(1000 + r*boxedInts + i)
	}
}

// allocChan: a buffered channel of pointers, filled. For an element type with pointers the
// runtime allocates the hchan and the buffer separately; the buffer dominates.
//
//go:noinline
func allocChan(r int) {
	c := make(chan *Node, chanCap)
	for i := 0; i < chanCap; i++ {
		c <- nodeAt(r, i)
	}
	chans[r] = c
}

// allocBigStruct: a struct larger than 32 KiB with pointers.
//
//go:noinline
func allocBigStruct(r int) {
	for i := range bigs[r] {
		b := new(Big)
		for j := range b.Index {
			b.Index[j] = nodeAt(r, i*len(b.Index)+j)
		}
		b.Label = strs[r][i]
		bigs[r][i] = b
	}
}

// allocPtrArray: an array of pointers via new([4096]*int) (32 KiB, the largest small size
// class).
//
//go:noinline
func allocPtrArray(r int) {
	for i := range ptrArrays[r] {
		a := new([4096]*int)
		for j := range a {
			a[j] = &targets[j]
		}
		ptrArrays[r][i] = a
	}
}

// round runs every site once. Order matters only for what later sites share: the nodes
// (allocList, indexed by allocPtrSlice's first elements) and the strings (allocConcat).
func round(r int) {
	allocList(r)
	i := 0
	for n := lists[r]; n != nil; n = n.Next {
		nodeIndex[r][i] = n
		i++
	}
	allocFlat(r)
	allocConcat(r)
	allocStringMap(r)
	allocIntMap(r)
	allocPtrSlice(r)
	allocValueSlice(r)
	allocBytes(r)
	allocBuilder(r)
	allocClosures(r)
	allocGenericPtrs(r)
	allocGenericInts(r)
	allocAppendPtrs(r)
	allocAppendInts(r)
	allocBoxNode(r)
	allocBoxFlat(r)
	allocBoxInt64(r)
	allocChan(r)
	allocBigStruct(r)
	allocPtrArray(r)
}

func main() {
	// Every site must be sampled often enough for its in-use bytes to be estimated fairly
	// (and to appear at all): the smallest sites hold ~3–4 MiB at later, i.e. ~50–60
	// samples at 64 KiB (±15 %), where the default 512 KiB would give only 6–8 (±40 %).
	// Set before anything is allocated.
	runtime.MemProfileRate = 64 * 1024
	out := snap.OutDir()

	round(0)
	runtime.GC()
	runtime.GC()
	snap.Write(out + "/base")

	round(1)
	runtime.GC()
	runtime.GC()
	snap.Write(out + "/later")

	var sum int64
	for r := 0; r < rounds; r++ {
		sum += closures[r][1]() + int64(len(chans[r]))
	}
	fmt.Printf("retainers: done (%d)\n", sum)
}
