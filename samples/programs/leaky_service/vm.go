//go:build vmmetrics

// Built only with -tags vmmetrics, in GOPATH mode against Debian's VictoriaMetrics metrics
// package (golang-github-victoriametrics-metrics-dev: GO111MODULE=off
// GOPATH=/usr/share/gocode), so the service still builds without it: samples/scrape_service
// builds it this way and skips with a message where the package is missing. Not together
// with -tags promhttp: both mount /metrics.
package main

import (
	"net/http"

	"github.com/VictoriaMetrics/metrics"
)

// /metrics next to net/http/pprof and expvar: the metrics package's process and Go metrics
// (go_memstats_* from runtime.ReadMemStats, go_memstats_gc_cpu_fraction, and RSS with its
// anon/file/shared split from /proc/self/status).
func init() {
	http.HandleFunc("/metrics", func(w http.ResponseWriter, _ *http.Request) {
		metrics.WritePrometheus(w, true)
	})
}
