// fleet_service: a tiny Go service for heapdiff's Prometheus-server tests. It exposes
// client_golang's default registry (the Go and process collectors) on /metrics (prom.go) or,
// built with -tags vmmetrics, VictoriaMetrics' metrics package's (vm.go), and net/http/pprof
// (a heap profile to read beside the server's moment) and, with -leak, keeps every buffer it
// allocates, so its RSS and heap grow for as long as it runs. Built in GOPATH mode against
// Debian's golang-github-prometheus-client-golang-dev (or
// golang-github-victoriametrics-metrics-dev):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o fleet_service ./tests/fleet_service
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"time"
)

var kept [][]byte

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (port 0: any free port)")
	leak := flag.Int("leak", 0, "bytes kept every 100 ms (0: none)")
	churn := flag.Int("churn", 256<<10, "bytes allocated and dropped every 100 ms")
	flag.Parse()
	go func() {
		for range time.Tick(100 * time.Millisecond) {
			garbage := make([]byte, *churn)
			touch(garbage)
			if *leak > 0 {
				b := make([]byte, *leak)
				touch(b)
				kept = append(kept, b)
			}
		}
	}()
	listener, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("listening on %s\n", listener.Addr())
	log.Fatal(http.Serve(listener, nil))
}

// touch writes every page, so the kernel backs it and RSS counts it.
func touch(b []byte) {
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
}
