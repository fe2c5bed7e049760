// leaky_cache: a request handler stores every rendered response in a cache that is never
// pruned. Between the base and later snapshots the cache grows by 40 MiB of 1 KiB entries,
// all allocated in main.(*Cache).Insert, reached as
// main.main → main.serve → main.handleRequest → main.(*Cache).Insert.
// Next to it, allocations that do not grow: a configuration table loaded at start-up
// (main.loadConfig, constant in-use), a ring of per-client sessions (main.(*SessionRing).Put,
// constant in-use, growing alloc_space) and a per-request scratch buffer
// (main.renderResponse, garbage: alloc_space only).
// Both snapshots are taken right after runtime.GC(), so each profile is current.
package main

import (
	"fmt"
	"runtime"

	"heapdiff/samples/internal/snap"
)

const (
	entrySize    = 1024     // one cached response
	baseRequests = 8 << 10  // 8 MiB of cache at base
	leakRequests = 40 << 10 // +40 MiB of cache between base and later
	configBlocks = 1024     // 4 MiB of 4 KiB config blocks
	sessionSlots = 2048     // 4 MiB ring of 2 KiB sessions
	sessionSize  = 2048
	scratchSize  = 4096
)

// Cache is the leak: keyed by request id, never evicted.
type Cache struct {
	entries map[uint64][]byte
}

// Insert copies the response into a new entry and keeps it forever.
//
//go:noinline
func (c *Cache) Insert(key uint64, val []byte) {
	e := make([]byte, len(val))
	copy(e, val)
	c.entries[key] = e
}

// SessionRing keeps the last sessionSlots sessions: constant in-use, churning allocations.
type SessionRing struct {
	slots [][]byte
	next  int
}

//go:noinline
func (r *SessionRing) Put(id uint64) {
	s := make([]byte, sessionSize)
	s[0] = byte(id)
	r.slots[r.next] = s
	r.next = (r.next + 1) % len(r.slots)
}

// srv is global, as a real server's state would be (and so that nothing of it is placed on
// main's stack by escape analysis).
var srv *server

type server struct {
	cache    *Cache
	sessions *SessionRing
	config   [][]byte
}

//go:noinline
func loadConfig() [][]byte {
	cfg := make([][]byte, configBlocks)
	for i := range cfg {
		cfg[i] = make([]byte, 4096)
		cfg[i][0] = byte(i)
	}
	return cfg
}

// renderResponse builds the response in a scratch buffer that is dropped after the request.
//
//go:noinline
func renderResponse(s *server, id uint64) []byte {
	buf := make([]byte, scratchSize)
	for i := 0; i < entrySize; i += 64 {
		buf[i] = byte(id) ^ s.config[id%configBlocks][i%4096]
	}
	return buf[:entrySize]
}

//go:noinline
func handleRequest(s *server, id uint64) {
	s.sessions.Put(id)
	resp := renderResponse(s, id)
	s.cache.Insert(id, resp)
}

//go:noinline
func serve(s *server, first, n uint64) {
	for id := first; id < first+n; id++ {
		handleRequest(s, id)
	}
}

func main() {
	// Sample every 4 KiB on average instead of every 512 KiB: the steady sites hold only a
	// few MiB each, and at the default rate their in-use estimates would wobble by ~1 MiB
	// (1 σ ≈ sqrt(rate × bytes)) between snapshots, blurring which site really grows.
	runtime.MemProfileRate = 4096
	out := snap.OutDir()

	srv = &server{
		cache:    &Cache{entries: make(map[uint64][]byte)},
		sessions: &SessionRing{slots: make([][]byte, sessionSlots)},
		config:   loadConfig(),
	}
	serve(srv, 0, baseRequests)
	runtime.GC()
	snap.Write(out + "/base")

	serve(srv, baseRequests, leakRequests)
	runtime.GC()
	snap.Write(out + "/later")
	fmt.Printf("leaky_cache: %d cache entries (%d MiB)\n", len(srv.cache.entries), len(srv.cache.entries)*entrySize>>20)
}
