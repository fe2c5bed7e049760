//go:build !vmmetrics

package main

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// /metrics: client_golang's default registry (its Go and process collectors).
func init() {
	http.Handle("/metrics", promhttp.Handler())
}
