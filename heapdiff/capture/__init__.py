"""heapdiff capture: snapshots of a running Go service, and the folders they make."""
