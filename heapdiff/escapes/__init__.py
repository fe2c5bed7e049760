"""Why allocations go to the heap: the compiler's escape analysis joined with a profile.

log.py reads the compiler's diagnostics (the -json=0 log gopls reads, and -m=2 text where it
says more), reasons.py turns its words into the contract's reasons and advice, module.py
matches profile file names to a source tree, build.py compiles the packages that matter
(cached by build inputs), sites.py sums a profile per allocation line in the user's code,
and allocs.py joins them."""
