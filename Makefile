# rlopt: `make demo` and `make test` are the two commands a new user needs; both run `setup` first.
SHELL := /bin/bash
LLVM_BIN ?= /usr/lib/llvm-19/bin
VENV := .venv
PY := $(VENV)/bin/python
PYTHON ?= python3.11
STAMP := $(VENV)/.rlopt-installed
PIP_FLAGS := $(if $(wildcard /opt/wheels),--find-links /opt/wheels,)
APT_PACKAGES := clang-19 llvm-19 csmith libcsmith-dev valgrind libsqlite3-dev

.PHONY: setup demo test test-all bench lint clean

setup: $(STAMP)

# apt only when something is missing, so a second `make setup` does nothing.
$(LLVM_BIN)/opt:
	@echo "setup: installing $(APT_PACKAGES) with apt"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PACKAGES) >/dev/null

.apt-extras:
	@missing=""; for p in csmith valgrind; do command -v $$p >/dev/null || missing="$$missing $$p"; done; \
	[ -f /usr/include/csmith/csmith.h ] || missing="$$missing libcsmith-dev"; \
	[ -f /usr/include/sqlite3.h ] || missing="$$missing libsqlite3-dev"; \
	if [ -n "$$missing" ]; then echo "setup: installing$$missing with apt"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi

# setup.py builds rlopt-cc/rlopt-c++ as the native launcher (rlopt/cc/launcher.c) into $(VENV)/bin.
$(STAMP): pyproject.toml setup.py constraints.txt rlopt/cc/launcher.c | $(LLVM_BIN)/opt
	@$(MAKE) --no-print-directory .apt-extras
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q $(PIP_FLAGS) -c constraints.txt -e '.[train,distributed,dev]'
	@touch $(STAMP)

demo: setup
	@$(VENV)/bin/python examples/demo.py

# Two workers, a test file each at a time (module fixtures stay in one process): half the wall time on CI's
# two cores. Timing tests race gaps of several times their noise, so they hold under the other worker's load.
test: setup
	$(VENV)/bin/python -m pytest -q -n 2 --dist loadfile

test-all: setup
	$(VENV)/bin/python -m pytest -q -n 2 --dist loadfile -m ''

bench: setup
	@for b in benchmarks/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

lint: setup
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
