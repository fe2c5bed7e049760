"""Pointer-dense retainers: which live allocation sites hold pointers the GC must scan.

Evidence levels, best first: binary (the type descriptor the allocation passed, read from the
exact binary), source (go/types on the allocating line), heuristic (names and sizes only)."""
