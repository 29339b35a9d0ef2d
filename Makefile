# tinyfw: `make demo` (the whole pipeline on the example data) and `make test` (the suite).
# Both run `make setup` first, which installs whatever is missing (scripts/setup.sh).

VENV     := .venv
TINYFW   := $(VENV)/bin/tinyfw
PYTEST   := $(VENV)/bin/pytest
export PLATFORMIO_SETTING_ENABLE_TELEMETRY := no
export PLATFORMIO_DISABLE_UPGRADE_CHECK := true

.PHONY: setup demo test test-nightly test-fast bench opcases lint clean help

help:
	@echo "make setup   install toolchain, QEMU and the pinned Python packages (.venv)"
	@echo "make demo    train -> generate -> build -> simulate on data/st-har (only what changed)"
	@echo "make test    the whole test suite"
	@echo "make test-nightly  the long end-to-end runs (tinyfw report on a fresh project)"
	@echo "make test-fast  the pure-Python and host-C tests (no QEMU, no cross toolchain, no training)"
	@echo "make bench   flash / RAM / instructions against TFLite Micro (bench)"
	@echo "make opcases generate missing op-test cases (tests/opcases; never replaces committed ones)"

setup:
	@scripts/setup.sh

# Only the stale steps run (tinyfw all: content hashes of data, config, model, code).
demo: setup
	@$(TINYFW) all --report build/demo/report.json

# Two pytest-xdist workers, one test file each at a time (module fixtures built once);
# PYTEST_JOBS=0 runs the suite serially.
PYTEST_JOBS ?= 2
test: setup
	$(PYTEST) -q -n $(PYTEST_JOBS) --dist loadfile -m "not nightly"

# The long end-to-end runs (marker nightly): e.g. `tinyfw report` collecting everything.
test-nightly: setup
	$(PYTEST) -q -n $(PYTEST_JOBS) --dist loadfile -m nightly

# Markers (pyproject.toml): qemu = runs firmware in QEMU, toolchain = needs arm-none-eabi-gcc /
# PlatformIO, slow = trains a model or runs many simulations.
test-fast: setup
	$(PYTEST) -q -m "not qemu and not toolchain and not slow and not nightly"

bench: setup
	$(TINYFW) bench --json build/bench/report.json

opcases: setup
	$(VENV)/bin/python tests/opcases/opcases.py generate
	$(VENV)/bin/python tests/opcases/models.py generate
	$(VENV)/bin/python tests/opcases/rejects.py generate

lint: setup
	$(VENV)/bin/ruff check .

clean:
	rm -rf build .pio/build
