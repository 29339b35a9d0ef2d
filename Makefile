# tinyfw: `make demo` (the whole pipeline on the example data) and `make test` (the suite).
# Both run `make setup` first, which installs whatever is missing (scripts/setup.sh).

VENV     := .venv
TINYFW   := $(VENV)/bin/tinyfw
PYTEST   := $(VENV)/bin/pytest
export PLATFORMIO_SETTING_ENABLE_TELEMETRY := no
export PLATFORMIO_DISABLE_UPGRADE_CHECK := true

.PHONY: setup demo test test-fast test-nightly test-tflm bench bench-mlperf opcases lint clean help

help:
	@echo "make setup   install toolchain, QEMU and the pinned Python packages (.venv)"
	@echo "make demo    train -> generate -> build -> simulate on data/st-har (only what changed)"
	@echo "make test    the whole test suite"
	@echo "make test-fast  the pure-Python and host-C tests (no QEMU, no cross toolchain, no training)"
	@echo "make test-nightly  the coverage over make test's time budget (pytest -m nightly)"
	@echo "make test-tflm  the TFLite Micro backend's tests (needs TFLM_DIR; fails without it)"
	@echo "make bench   flash / RAM / instructions against TFLite Micro (bench)"
	@echo "make bench-mlperf  the four MLPerf Tiny models against their published cycles (minutes)"
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

# The coverage over make test's time budget (marker nightly): every op pack and every recording
# on every simulated board, `tinyfw report` end to end on a fresh project, and every example
# dataset shape (examples/) trained, built and simulated.
test-nightly: setup
	$(PYTEST) -q -n $(PYTEST_JOBS) --dist loadfile -m nightly

# Markers (pyproject.toml): qemu = runs firmware in QEMU, toolchain = needs arm-none-eabi-gcc /
# PlatformIO, slow = trains a model or runs many simulations.
test-fast: setup
	$(PYTEST) -q -m "not qemu and not toolchain and not slow and not nightly"

# The TFLite Micro backend (README "TFLite Micro backend"): TFLM_DIR=<tree> make test-tflm.
test-tflm: setup
	$(PYTEST) -q -m tflm

bench: setup
	$(TINYFW) bench --json build/bench/report.json
	$(TINYFW) bench --results

# Opt-in (minutes): the MLPerf Tiny reference models, per kernel class, beside published cycles.
bench-mlperf: setup
	$(TINYFW) bench --mlperf --json build/bench/mlperf.json

opcases: setup
	$(VENV)/bin/python tests/opcases/opcases.py generate
	$(VENV)/bin/python tests/opcases/models.py generate
	$(VENV)/bin/python tests/opcases/rejects.py generate

lint: setup
	$(VENV)/bin/ruff check .

clean:
	rm -rf build .pio/build
