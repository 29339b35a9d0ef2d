"""Where tinyfw's own sources live (the checkout it is installed from, editable)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRMWARE = ROOT / "firmware"
KERNELS = FIRMWARE / "kernels"
BOARDS = ROOT / "boards"
# The example dataset and the benchmark, shipped in the checkout so that a clone alone runs
# `make demo` and `make test` (data/st-har/README.md and bench/ANCHORS.md say where they come from).
EXAMPLE_DATA = ROOT / "data" / "st-har"
BENCH = ROOT / "bench"
BENCH_MODEL = BENCH / "har_anchor_int8.tflite"
MLPERF_TINY = BENCH / "mlperf_tiny"  # the four MLPerf Tiny reference models (README there)
