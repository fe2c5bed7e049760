"""The fuzzer: real samples of every input kind, mutated deterministically from a seed, run
through every command that reads them in long-lived worker processes under an address-space
limit and a per-case timeout; outcomes are classified and new failures saved in corpus/.

  seeds.py     the real inputs, by kind, and the commands that read each kind
  mutate.py    the mutator (bytes, varints, numbers, gzip, names, JSON shapes)
  cases.py     one case from (seed, index): its input folder and argv; writing it to disk
  classify.py  a child's result -> ok | clean | traceback | hang | blowup | escape | ...
  worker.py    the worker process: imports heapdiff once, runs cases in-process
  runner.py    the pool of workers, the corpus, the summary; bench/fuzz is its command line
"""
