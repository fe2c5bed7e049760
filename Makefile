# The two commands a newcomer needs: `make demo` and `make test`. Both set up .venv first.
VENV := .venv
PY := $(VENV)/bin/python
SAMPLE := samples/leaky_cache

.PHONY: demo test proto samples bench setup

setup: $(VENV)/.installed

# An editable install in setuptools' compat mode: one path line in a .pth file. The default
# mode installs an import finder that every start of Python imports (15 ms here, a quarter of
# `heapdiff top` on a profile of a few thousand samples). Where compat mode is gone, the
# default. Either builds the compiled kernel (setup.py) in place.
$(VENV)/.installed: pyproject.toml setup.py heapdiff/_kernel.c
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]' --config-settings editable_mode=compat || \
		$(PY) -m pip install -q -e '.[test]'
	touch $@

# What grew in the leaking-cache sample, along which path, and where its RSS went; then the
# pointer-dense retainers of the []*T sample, read from its binary; then the leak suspects of
# a capture taken from the leaky Go service.
demo: setup
	$(PY) -m heapdiff diff $(SAMPLE)/base/heap.pb.gz $(SAMPLE)/later/heap.pb.gz --nodecount 8
	$(PY) -m heapdiff paths $(SAMPLE)/base/heap.pb.gz $(SAMPLE)/later/heap.pb.gz --count 1
	$(PY) -m heapdiff explain --base $(SAMPLE)/base $(SAMPLE)/later
	$(PY) -m heapdiff retainers samples/pointer_slice/later/heap.pb.gz --binary samples/binaries/pointer_slice.gz --nodecount 4
	$(PY) -m heapdiff timeline samples/leaky_service/capture --nodecount 4

# The type checker on the engine and the TUI, then the tests, listing what they skipped and why
# (a plain clone has neither ../shared/testdata/public nor, perhaps, Graphviz).
test: setup
	$(PY) -m mypy
	$(PY) -m pytest -q -rs

# Regenerate heapdiff/profile_pb2.py from proto/profile.proto (a test checks it is current).
proto: setup
	$(PY) -m grpc_tools.protoc -Iproto --python_out=heapdiff proto/profile.proto

# Rebuild and rerun the Go sample programs and their go tool pprof oracles (needs PyPI for Go).
samples:
	samples/generate

bench: setup
	bench/run
