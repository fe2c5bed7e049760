// leaky_service: a small HTTP service to point `heapdiff capture` at. It mounts
// net/http/pprof and expvar on the default mux and prints `listening on http://ADDR` as its
// first line of stdout (with -addr 127.0.0.1:0, the default, the kernel picks the port).
//
// Its heap has three allocation sites, each with its own shape over time:
//
//   - main.(*SessionStore).Remember, the leak: 1 KiB session records appended to a global
//     that is never pruned, on request (GET or POST /leak?kb=N) and, with -leak-every DUR,
//     by itself (-leak-kb KiB per tick). Capped at maxLeak so a forgotten instance stays
//     well under 100 MiB of RSS.
//   - main.(*Batcher).Add, a sawtooth: request records batched for -flush-every, then
//     dropped all at once.
//   - main.loadConfig, steady: a table loaded at start-up and kept.
//
// A simulated request stream (main.render: short-lived scratch buffers) keeps the GC cycling
// several times a second. A heap profile only changes at a GC, so without it consecutive
// profiles taken half a second apart would often be identical.
//
// Built with -tags promhttp (prom.go) or vmmetrics (vm.go), it also serves a /metrics.
//
// It mounts a heap-dump handler at /debug/heapdump (heapdump.go) for `heapdiff capture
// --heapdump /debug/heapdump`.
//
// It is a server, not a snapshot writer: samples/generate does not run it;
// samples/capture_service captures it into samples/leaky_service/capture/.
package main

import (
	_ "expvar"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"runtime"
	"strconv"
	"sync"
	"time"
)

const (
	recordSize   = 1024     // one leaked session record
	maxLeak      = 64 << 20 // the store stops growing here
	configBlocks = 1024     // 4 MiB of 4 KiB config blocks
	batchRecord  = 32 << 10 // batched per request: 3.2 MiB/s
	// Garbage per request: 16 pieces of 32 KiB, 50 MiB/s, a GC every ~0.2 s. In pieces, so
	// that what a GC finds live of it (one piece) is lost in the sampling noise.
	scratchPiece  = 32 << 10
	scratchPieces = 16
)

// SessionStore is the leak: every session ever seen, kept forever.
type SessionStore struct {
	mu      sync.Mutex
	records [][]byte
	bytes   int
}

// Remember keeps kb more records and reports the bytes held, or false once maxLeak is held.
//
//go:noinline
func (s *SessionStore) Remember(kb int) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bytes+kb*recordSize > maxLeak {
		return s.bytes, false
	}
	for i := 0; i < kb; i++ {
		r := make([]byte, recordSize)
		r[0] = byte(len(s.records)) // touch the page, so that RSS sees it
		s.records = append(s.records, r)
	}
	s.bytes += kb * recordSize
	return s.bytes, true
}

// Batcher holds request records until the next flush, which drops them all.
type Batcher struct {
	mu    sync.Mutex
	items [][]byte
}

//go:noinline
func (b *Batcher) Add(id uint64) {
	rec := make([]byte, batchRecord)
	rec[0] = byte(id)
	b.mu.Lock()
	b.items = append(b.items, rec)
	b.mu.Unlock()
}

func (b *Batcher) Flush() {
	b.mu.Lock()
	b.items = nil
	b.mu.Unlock()
}

var (
	sessions SessionStore
	batcher  Batcher
	config   [][]byte
	scratch  []byte
	sink     byte
)

//go:noinline
func loadConfig() [][]byte {
	cfg := make([][]byte, configBlocks)
	for i := range cfg {
		cfg[i] = make([]byte, 4096)
		cfg[i][0] = byte(i)
	}
	return cfg
}

// render builds a response piece by piece in scratch buffers, each garbage once the next is
// made (kept in a global so that none is placed on the stack).
//
//go:noinline
func render(id uint64) byte {
	var out byte
	for piece := 0; piece < scratchPieces; piece++ {
		scratch = make([]byte, scratchPiece)
		for i := 0; i < len(scratch); i += 4096 {
			scratch[i] = byte(id) ^ config[id%configBlocks][i%4096]
		}
		out ^= scratch[len(scratch)-4096]
	}
	return out
}

// serveRequests is the simulated traffic: a request every requestEvery, its record batched.
func serveRequests(requestEvery, flushEvery time.Duration) {
	tick := time.NewTicker(requestEvery)
	flush := time.NewTicker(flushEvery)
	for id := uint64(0); ; id++ {
		select {
		case <-tick.C:
			sink ^= render(id)
			batcher.Add(id)
		case <-flush.C:
			batcher.Flush()
		}
	}
}

func leakForever(every time.Duration, kb int) {
	for range time.Tick(every) {
		sessions.Remember(kb)
	}
}

func handleLeak(w http.ResponseWriter, r *http.Request) {
	kb, err := strconv.Atoi(r.FormValue("kb"))
	if err != nil || kb <= 0 {
		http.Error(w, "kb: a positive number of KiB", http.StatusBadRequest)
		return
	}
	held, ok := sessions.Remember(kb)
	if !ok {
		http.Error(w, fmt.Sprintf("full: %d bytes held", held), http.StatusInsufficientStorage)
		return
	}
	fmt.Fprintf(w, "%d bytes held\n", held)
}

func main() {
	// Sample every 4 KiB on average instead of every 512 KiB, so that a few MiB of growth
	// stand out of the sampling noise.
	runtime.MemProfileRate = 4096
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	leakEvery := flag.Duration("leak-every", 0, "leak -leak-kb KiB this often (0: only on /leak)")
	leakKB := flag.Int("leak-kb", 256, "KiB leaked per -leak-every tick")
	flushEvery := flag.Duration("flush-every", 2*time.Second, "how long the batch fills before it is dropped")
	// 0 stops the traffic: the heap then changes only on /leak and while serving the
	// debug endpoints, so reads of /debug/vars, /metrics and /proc a moment apart agree.
	requestEvery := flag.Duration("request-every", 10*time.Millisecond, "a simulated request this often (0: none)")
	flag.Parse()
	if *leakKB <= 0 || *flushEvery <= 0 || *leakEvery < 0 || *requestEvery < 0 {
		log.Fatal("leaky_service: -leak-kb and -flush-every must be positive, -leak-every and -request-every not negative")
	}

	config = loadConfig()
	listener, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	http.HandleFunc("/leak", handleLeak)
	if *requestEvery > 0 {
		go serveRequests(*requestEvery, *flushEvery)
	}
	if *leakEvery > 0 {
		go leakForever(*leakEvery, *leakKB)
	}
	fmt.Printf("listening on http://%s\n", listener.Addr())
	log.Fatal(http.Serve(listener, nil))
}
