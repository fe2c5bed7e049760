package main

import (
	"net/http"
	"os"
	"runtime/debug"
	"time"
)

// The handler the README gives for `heapdiff capture --heapdump /debug/heapdump`. The dump
// goes to a temporary file, not straight to the response: debug.WriteHeapDump stops the
// world, so no goroutine could drain a pipe while it writes. ServeContent sends the length,
// so a dump cut short in transit is known for one.
func init() {
	http.HandleFunc("/debug/heapdump", func(w http.ResponseWriter, r *http.Request) {
		f, err := os.CreateTemp("", "heapdump-*")
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer os.Remove(f.Name())
		defer f.Close()
		debug.WriteHeapDump(f.Fd())
		w.Header().Set("Content-Type", "application/octet-stream")
		http.ServeContent(w, r, "heap.heapdump", time.Time{}, f)
	})
}
