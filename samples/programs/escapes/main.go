// escapes: allocation sites that each go to the heap for one known reason, and two the
// compiler keeps on the stack, with every allocation sampled (MemProfileRate=1).
//
// Each site is its own //go:noinline function main.esc<Reason>, run once per round: base is
// written after round 0, later after round 1, so every heap site about doubles between the
// snapshots and the stack sites never appear. The reason each site escapes, as the
// compiler's escape analysis explains it, is recorded per file:line in samples/MANIFEST.json
// (the "escapes" entry's "expected"); heapdiff allocs --source samples/programs reads the
// compiler's log and must find it.
package main

import (
	"fmt"
	"runtime"
	"strings"

	"heapdiff/samples/internal/snap"
)

// Every allocation is sampled: set before main runs any allocation of interest.
func init() { runtime.MemProfileRate = 1 }

const perRound = 4096 // calls of each site per round

type Item struct {
	ID   int64
	Name string
	Next *Item
}

type Counter struct{ n int64 }

func (c *Counter) Add() { c.n++ }

var (
	store    = make(map[int]*Item, 2*perRound) // sized up front: the map never grows
	kept     []*Item
	funcs    []func() int64
	names    []string
		methods  [2 * perRound]func() // in BSS: only the method values allocate
	sink     int64
	longText = strings.Repeat("x", 100)
)

//go:noinline
func escStored(i int) {
	store[i] = &Item{ID: int64(i)} // escape: stored
}

//go:noinline
func escReturned(i int) *Item {
	return &Item{ID: int64(i)} // escape: returned
}

//go:noinline
func escClosure(i int) func() int64 {
	n := int64(i) // escape: closure
	return func() int64 { n++; return n } // escape: closure
}

//go:noinline
func escInterface(i int) string {
	return fmt.Sprintf("item-%d-%s", i+1000, longText) // escape: interface
}

//go:noinline
func escNonConstant(n int) int {
	buf := make([]byte, n) // escape: nonconstant_size
	buf[0] = 1
	return int(buf[n-1]) + len(buf)
}

//go:noinline
func escTooLarge() int64 {
	var big [16 << 20]byte // escape: too_large
	big[len(big)-1] = 1
	fill(&big)
	return int64(big[0])
}

//go:noinline
func fill(b *[16 << 20]byte) { b[0] = b[1] + 1 }

//go:noinline
func escBytes(s string) int {
	b := []byte(s) // escape: nonconstant_size
	b[0] = 'y'
	return len(b) + int(b[1])
}

//go:noinline
func escMethodValue(c *Counter, i int) {
	methods[i] = c.Add // escape: closure
}

//go:noinline
func escAppend(n int) int64 {
	var out []int64
	for i := 0; i < n; i++ {
		out = append(out, int64(i)) // escape: nonconstant_size
	}
	return int64(len(out)) + out[n-1]
}

//go:noinline
func stackPointer(i int) int64 {
	p := &Item{ID: int64(i)} // escape: stack
	return p.ID + 1
}

//go:noinline
func stackBuffer(i int) int64 {
	buf := make([]byte, 64) // escape: stack
	buf[i%64] = byte(i)
	return int64(buf[0])
}

func round(r int) {
	counter := &Counter{}
	for i := 0; i < perRound; i++ {
		k := r*perRound + i
		escStored(k)
		kept = append(kept, escReturned(k))
		funcs = append(funcs, escClosure(k))
		names = append(names, escInterface(k))
		sink += int64(escNonConstant(64 + i%64))
		sink += int64(escBytes(longText))
		escMethodValue(counter, k)
		sink += stackPointer(k) + stackBuffer(k)
		if i%512 == 0 {
			sink += escTooLarge()
			sink += escAppend(1000)
		}
	}
}

func main() {
	out := snap.OutDir()
	for r, name := range []string{"base", "later"} {
		round(r)
		runtime.GC()
		snap.Write(out + "/" + name)
	}
}
