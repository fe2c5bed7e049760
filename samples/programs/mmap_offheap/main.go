// mmap_offheap: a cache moved off the Go heap into a 256 MiB anonymous syscall.Mmap region
// (main.newOffHeapCache); main.(*OffHeapCache).Put writes 4 KiB values into it and keeps
// only a small offset index on the Go heap. After the cache is filled every page of the
// region is resident: VmRSS is ≈ 256 MiB above Go's Sys − HeapReleased, and neither the
// heap profile nor MemStats nor GOMEMLIMIT can see that memory.
//
// base: region mapped but untouched (not resident), index empty. later: cache full.
package main

import (
	"fmt"
	"runtime"
	"syscall"

	"heapdiff/samples/internal/snap"
)

const (
	regionBytes = 256 << 20
	valueBytes  = 4 << 10
)

// MemProfileRate stays at the default (512 KiB): the story is about memory the profile
// cannot see at all; the Go-side index is a few MiB.

// OffHeapCache stores values in memory the Go runtime does not manage.
type OffHeapCache struct {
	region []byte
	index  map[uint64]uint32 // key → offset/valueBytes
	next   uint32
}

//go:noinline
func newOffHeapCache() *OffHeapCache {
	region, err := syscall.Mmap(-1, 0, regionBytes, syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		panic(err)
	}
	return &OffHeapCache{region: region, index: make(map[uint64]uint32)}
}

//go:noinline
func (c *OffHeapCache) Put(key uint64, fill byte) {
	off := int(c.next) * valueBytes
	v := c.region[off : off+valueBytes]
	for i := range v {
		v[i] = fill
	}
	c.index[key] = c.next
	c.next++
}

func main() {
	out := snap.OutDir()

	cache := newOffHeapCache()
	runtime.GC()
	snap.Write(out + "/base")

	for k := uint64(0); k < regionBytes/valueBytes; k++ {
		cache.Put(k*2654435761, byte(k))
	}
	runtime.GC()
	snap.Write(out + "/later")
	fmt.Printf("mmap_offheap: %d values, %d MiB off-heap\n", len(cache.index), regionBytes>>20)
	runtime.KeepAlive(cache)
}
