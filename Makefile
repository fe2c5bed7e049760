# The two commands a newcomer needs: `make demo` and `make test`. Both set up .venv first.
VENV := .venv
PY := $(VENV)/bin/python
SAMPLE := samples/leaky_cache

.PHONY: demo test proto samples bench setup

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

demo: setup
	$(PY) -m heapdiff top $(SAMPLE)/base/heap.pb.gz --nodecount 8
	$(PY) -m heapdiff top $(SAMPLE)/later/heap.pb.gz --nodecount 8
	$(PY) -m heapdiff top $(SAMPLE)/later/heap.txt --sample-index alloc_space --granularity lines --nodecount 8

test: setup
	$(PY) -m pytest -q

# Regenerate heapdiff/profile_pb2.py from proto/profile.proto (a test checks it is current).
proto: setup
	$(PY) -m grpc_tools.protoc -Iproto --python_out=heapdiff proto/profile.proto

# Rebuild and rerun the Go sample programs and their go tool pprof oracles (needs PyPI for Go).
samples:
	samples/generate

bench: setup
	bench/run
