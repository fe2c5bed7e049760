// Package snap writes one snapshot of a Go process's memory state into a directory:
// the heap profile (protobuf and debug=1 text), runtime.MemStats (plain and in the expvar
// /debug/vars shape), every runtime/metrics value, and the kernel's view of the process
// (/proc/self/status and /proc/self/smaps_rollup).
//
// All parts are read as close together as possible, in this order: status, smaps_rollup,
// ReadMemStats, runtime/metrics, heap.pb.gz, heap.txt; the files are written afterwards.
// The two profiles must hold identical data, i.e. no GC cycle may complete between them.
// (The published heap profile changes only at a mark termination, together with NumGC, and
// when a runtime.GC() call publishes after its sweep; the sample programs call runtime.GC()
// only from the goroutine that takes the snapshot, and at least once before the first one,
// so before any GC, when the runtime publishes every allocation, is not a case here either.)
// Two ways to ensure that are used:
//
//   - normally, the GC is left alone and the whole read is repeated if the GC cycle count
//     changed during it (so the snapshot also agrees with memstats.json's NumGC);
//   - only if that keeps failing, the GC is held off with debug.SetGCPercent(-1) while
//     reading and the old value restored afterwards.
//
// The first way is preferred because holding the GC off changes what is being measured:
// with GOGC=-1 in force, MemStats.NextGC, /gc/heap/goal:bytes, /gc/gogc:percent and the
// heap.txt trailer's NextGC all report the GOGC=off goal (~8.9e18), and a cycle that is in
// flight when SetGCPercent(-1) is called finishes with a gctrace line whose goal is
// ~8.5e12 MB. The fallback is announced on stdout (stderr carries the gctrace).
package snap

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
)

// Extra names further files read with the kernel's view, right after /proc/self/status, and
// written into the snapshot: file name in the snapshot → path (the container sample's full
// /proc/self/smaps and cgroup memory files). Empty unless a program sets it.
var Extra = map[string]string{}

// attempts is how often the read is repeated with the GC running before falling back to
// holding it off.
const attempts = 10

// Write writes the snapshot files into dir (created if needed). It panics on error: the
// sample programs have no use for a partial snapshot.
func Write(dir string) {
	if err := write(dir); err != nil {
		panic(fmt.Sprintf("snap.Write(%q): %v", dir, err))
	}
}

// reading holds everything one snapshot reads, before any of it is written out.
type reading struct {
	status, rollup []byte
	extra          map[string][]byte
	memStats       runtime.MemStats
	metrics        []metrics.Sample
	proto, text    bytes.Buffer
}

func write(dir string) error {
	var r *reading
	var err error
	for i := 1; i <= attempts && r == nil; i++ {
		before := gcCycles()
		if r, err = read(); err != nil {
			return err
		}
		if after := gcCycles(); after != before || uint64(r.memStats.NumGC) != before {
			r = nil // a GC cycle completed while reading: read again
			fmt.Printf("snap: %s: GC cycle %d completed during attempt %d; reading again\n", dir, after, i)
		}
	}
	if r == nil {
		// The GC keeps completing cycles (other goroutines are allocating): hold it off.
		// SetGCPercent(-1) also waits for a running mark phase to finish.
		fmt.Printf("snap: %s: GC cycles kept completing; holding the GC off with SetGCPercent(-1)\n", dir)
		old := debug.SetGCPercent(-1)
		r, err = read()
		debug.SetGCPercent(old)
		if err != nil {
			return err
		}
	}
	return r.save(dir)
}

// gcCycles returns the number of completed GC cycles (NumGC) without stopping the world.
func gcCycles() uint64 {
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func read() (*reading, error) {
	r := &reading{metrics: make([]metrics.Sample, 0, 128)}
	for _, d := range metrics.All() {
		r.metrics = append(r.metrics, metrics.Sample{Name: d.Name})
	}
	var err error
	// 1. The kernel's view, read first: nothing below should inflate it.
	if r.status, err = os.ReadFile("/proc/self/status"); err != nil {
		return nil, err
	}
	r.extra = make(map[string][]byte, len(Extra))
	for name, path := range Extra {
		if r.extra[name], err = os.ReadFile(path); err != nil {
			return nil, err
		}
	}
	if r.rollup, err = os.ReadFile("/proc/self/smaps_rollup"); err != nil {
		return nil, err
	}
	// 2. MemStats (stops the world; instantaneous).
	runtime.ReadMemStats(&r.memStats)
	// 3. runtime/metrics.
	metrics.Read(r.metrics)
	// 4. The heap profile, binary then text, back to back.
	if err := pprof.Lookup("heap").WriteTo(&r.proto, 0); err != nil {
		return nil, err
	}
	if err := pprof.Lookup("heap").WriteTo(&r.text, 1); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *reading) save(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files := []struct {
		name string
		data []byte
	}{
		{"status.txt", r.status},
		{"smaps_rollup.txt", r.rollup},
		{"heap.pb.gz", r.proto.Bytes()},
		{"heap.txt", r.text.Bytes()},
	}
	for name, data := range r.extra {
		files = append(files, struct {
			name string
			data []byte
		}{name, data})
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.name), f.data, 0o644); err != nil {
			return err
		}
	}
	if err := writeJSON(filepath.Join(dir, "memstats.json"), &r.memStats); err != nil {
		return err
	}
	// The expvar /debug/vars document: {"cmdline": [...], "memstats": {...}}.
	vars := struct {
		Cmdline  []string          `json:"cmdline"`
		Memstats *runtime.MemStats `json:"memstats"`
	}{os.Args, &r.memStats}
	if err := writeJSON(filepath.Join(dir, "vars.json"), &vars); err != nil {
		return err
	}
	return writeJSON(filepath.Join(dir, "metrics.json"), metricsObject(r.metrics))
}

func writeJSON(path string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

// metricsObject turns runtime/metrics samples into one JSON-ready object, metric name →
// value. Uint64 and Float64 become numbers; a Float64Histogram becomes
// {"counts": [...], "buckets": [...]} (len(buckets) == len(counts)+1), with infinite
// bucket bounds written as the strings "-Inf" and "+Inf", which JSON numbers cannot hold.
func metricsObject(samples []metrics.Sample) map[string]any {
	out := make(map[string]any, len(samples))
	for _, s := range samples {
		switch s.Value.Kind() {
		case metrics.KindUint64:
			out[s.Name] = s.Value.Uint64()
		case metrics.KindFloat64:
			out[s.Name] = s.Value.Float64()
		case metrics.KindFloat64Histogram:
			h := s.Value.Float64Histogram()
			buckets := make([]any, len(h.Buckets))
			for i, b := range h.Buckets {
				switch {
				case math.IsInf(b, -1):
					buckets[i] = "-Inf"
				case math.IsInf(b, +1):
					buckets[i] = "+Inf"
				default:
					buckets[i] = b
				}
			}
			out[s.Name] = map[string]any{"counts": h.Counts, "buckets": buckets}
		}
		// metrics.KindBad (a metric this runtime does not support) is left out.
	}
	return out
}

// OutDir returns the program's single argument, the sample directory that receives the
// base/ and later/ snapshots, or exits with a usage message.
func OutDir() string {
	if len(os.Args) != 2 {
		fmt.Fprintf(os.Stderr, "usage: %s OUTDIR\n", filepath.Base(os.Args[0]))
		os.Exit(2)
	}
	return os.Args[1]
}
