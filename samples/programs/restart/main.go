// restart: a service captured before and after a restart (a deploy), two processes of one
// binary. The first process serves requests (64 MiB of 4 KiB garbage in main.handleRequest)
// next to an 8 MiB session table (main.openSessions) and writes the base snapshot; then it
// starts its successor (the same binary, HEAPDIFF_SAMPLE_SUCCESSOR=1, its gctrace going to
// later/gctrace.log) and waits for it. The successor warms a 24 MiB cache at start-up
// (main.warmCache), opens its session table, serves a few requests and writes the later
// snapshot. In-use grew, but the successor's alloc_* counters started again from zero, so
// they fell: the one sign, in the profiles alone, that base and new are not one process.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"

	"heapdiff/samples/internal/snap"
)

const (
	successorVar   = "HEAPDIFF_SAMPLE_SUCCESSOR"
	sessionBlocks  = 2048     // 8 MiB of 4 KiB sessions
	cacheBlocks    = 6 << 10  // 24 MiB of 4 KiB cache entries
	firstRequests  = 16 << 10 // 64 MiB of garbage before the restart
	secondRequests = 1 << 10  // 4 MiB after it
)

var (
	sessions, cache [][]byte
	sink            []byte
)

//go:noinline
func openSessions() [][]byte {
	out := make([][]byte, sessionBlocks)
	for i := range out {
		out[i] = make([]byte, 4096)
		out[i][0] = byte(i)
	}
	return out
}

//go:noinline
func warmCache() [][]byte {
	out := make([][]byte, cacheBlocks)
	for i := range out {
		out[i] = make([]byte, 4096)
		out[i][0] = byte(i)
	}
	return out
}

//go:noinline
func handleRequest(i int) {
	b := make([]byte, 4096)
	b[0] = byte(i)
	sink = b
}

func serve(requests int) {
	for i := 0; i < requests; i++ {
		handleRequest(i)
	}
	sink = nil
}

// successor runs the restarted process to completion, its stderr (the gctrace) into the
// later snapshot's own log.
func successor(out string) error {
	dir := filepath.Join(out, "later")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	log, err := os.Create(filepath.Join(dir, "gctrace.log"))
	if err != nil {
		return err
	}
	defer log.Close()
	cmd := exec.Command(os.Args[0], out)
	cmd.Env = append(os.Environ(), successorVar+"=1")
	cmd.Stdout, cmd.Stderr = os.Stdout, log
	return cmd.Run()
}

func main() {
	out := snap.OutDir()
	if os.Getenv(successorVar) != "" {
		cache = warmCache()
		sessions = openSessions()
		serve(secondRequests)
		runtime.GC()
		snap.Write(out + "/later")
		runtime.KeepAlive(cache)
		return
	}
	sessions = openSessions()
	serve(firstRequests)
	runtime.GC()
	snap.Write(out + "/base")
	if err := successor(out); err != nil {
		fmt.Fprintf(os.Stderr, "restart: the successor failed: %v\n", err)
		os.Exit(1)
	}
	runtime.KeepAlive(sessions)
}
