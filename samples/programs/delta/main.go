// delta: a service asks its own net/http/pprof for delta profiles, as an engineer would with
// `go tool pprof http://HOST/debug/pprof/heap?seconds=2`: net/http/pprof takes a profile,
// waits the given seconds, takes another and writes the second minus the first, with
// duration_nanos set to the span. During the window the service drops a 16 MiB table it had
// loaded before (main.loadTable: in-use values negative), keeps 24 MiB of new sessions
// (main.openSession: positive) and renders 64 MiB of short-lived pages (main.renderPage:
// alloc_* only); a 4 MiB configuration (main.loadConfig) stays unchanged and so is absent
// from the delta. The signed in-use change is about +8 MiB; pprof's total, Σ|v|, about
// 40 MiB.
//
// Files: base/ (a snapshot just before the window), later/ (just after it),
// heap-delta.pb.gz (/debug/pprof/heap?seconds=2) and allocs-delta.pb.gz
// (/debug/pprof/allocs?seconds=2), both fetched over the same window.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"heapdiff/samples/internal/snap"
)

const (
	seconds     = 2
	configBytes = 4 << 20
	tableBytes  = 16 << 20
	tableBlock  = 8 << 10
	sessionSize = 4 << 10
	sessions    = (24 << 20) / sessionSize
	pageSize    = 16 << 10
	pages       = (64 << 20) / pageSize
)

var (
	config   [][]byte
	table    [][]byte // loaded before the window, dropped during it
	sessList [][]byte // opened during the window and kept
	lastPage []byte   // the latest rendered page; every earlier one is garbage
)

//go:noinline
func loadConfig() [][]byte {
	return blocks(configBytes/4096, 4096)
}

//go:noinline
func loadTable() [][]byte {
	return blocks(tableBytes/tableBlock, tableBlock)
}

//go:noinline
func openSession(id int) []byte {
	s := make([]byte, sessionSize)
	s[0] = byte(id)
	return s
}

//go:noinline
func renderPage(n int) {
	buf := make([]byte, pageSize)
	for i := 0; i < len(buf); i += 512 {
		buf[i] = byte(n + i)
	}
	lastPage = buf
}

func blocks(n, size int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = make([]byte, size)
		out[i][0] = byte(i)
	}
	return out
}

// started wraps the default mux and says when each delta request has arrived: the handler
// takes its first profile at once, so the heap may change shortly after.
func started(arrived chan<- struct{}) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		http.DefaultServeMux.ServeHTTP(w, r)
	})
}

func fetch(url, path string) {
	resp, err := http.Get(url)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		panic(err)
	}
	if resp.StatusCode != http.StatusOK {
		panic(fmt.Sprintf("%s: %s: %s", url, resp.Status, body))
	}
	if err := os.WriteFile(path, body, 0o644); err != nil {
		panic(err)
	}
}

func main() {
	out := snap.OutDir()
	runtime.MemProfileRate = 4096

	config = loadConfig()
	table = loadTable()
	runtime.GC()
	snap.Write(out + "/base")

	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	arrived := make(chan struct{}, 2)
	go http.Serve(listener, started(arrived))
	root := "http://" + listener.Addr().String() + "/debug/pprof/"
	var wg sync.WaitGroup
	for _, name := range []string{"heap", "allocs"} {
		wg.Add(1)
		go func(name string) {
			defer wg.Done()
			fetch(fmt.Sprintf("%s%s?seconds=%d", root, name, seconds),
				filepath.Join(out, name+"-delta.pb.gz"))
		}(name)
	}
	<-arrived
	<-arrived
	time.Sleep(300 * time.Millisecond) // both first profiles taken

	table = nil
	for i := 0; i < sessions; i++ {
		sessList = append(sessList, openSession(i))
	}
	for i := 0; i < pages; i++ {
		renderPage(i)
	}
	runtime.GC() // publish the window's frees and allocations to the heap profile
	wg.Wait()

	runtime.GC()
	snap.Write(out + "/later")
	fmt.Printf("delta: %d sessions kept, table dropped\n", len(sessList))
	runtime.KeepAlive(config)
}
