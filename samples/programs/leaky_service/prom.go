//go:build promhttp

// Built only with -tags promhttp, in GOPATH mode against Debian's client_golang
// (golang-github-prometheus-client-golang-dev: GO111MODULE=off GOPATH=/usr/share/gocode), so
// the service still builds without it: samples/scrape_service builds it this way and skips
// with a message where the package is missing.
package main

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// /metrics next to net/http/pprof and expvar: client_golang's default registry, which holds
// its Go collector (go_memstats_*, go_gc_duration_seconds) and process collector
// (process_resident_memory_bytes).
func init() {
	http.Handle("/metrics", promhttp.Handler())
}
