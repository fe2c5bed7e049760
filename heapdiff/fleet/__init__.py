"""A fleet's memory from a Prometheus-compatible server (Prometheus, Thanos, Mimir,
VictoriaMetrics): its HTTP query API, the history of each instance, one instance's moment."""
