//go:build vmmetrics

package main

import (
	"net/http"

	"github.com/VictoriaMetrics/metrics"
)

// /metrics: VictoriaMetrics' metrics package's process and Go metrics.
func init() {
	http.HandleFunc("/metrics", func(w http.ResponseWriter, _ *http.Request) {
		metrics.WritePrometheus(w, true)
	})
}
