"""The TFLite Micro backend against a real TFLM tree (TFLM_DIR): `make test-tflm` only.

Without TFLM_DIR every test here FAILS (never skips): a run of `make test-tflm` that tested
nothing must not look green. `make test` deselects them (marker `tflm`, tests/conftest.py).

- the resolver table (codegen/tflm.py) is the tree's MicroMutableOpResolver, method by method;
- the app built with the TFLM backend (reference and CMSIS-NN kernels) gives the host oracle's
  outputs on every window of every recorded example trace under QEMU (mps2_an386, Cortex-M4F);
- a too small arena is one `warn tflm:` UART line and exit status 6, not a fault.
The first run builds TFLM into build/tflm/<key>/ (minutes, once per board and kernels).
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

import pytest

from tinyfw.codegen.tflm import EXIT_INIT_FAILED, RESOLVER_METHODS
from tinyfw.config import FirmwareConfig
from tinyfw.model.data import load_dataset
from tinyfw.model.windows import make_windows
from tinyfw.paths import ROOT
from tinyfw.project import generate_project
from tinyfw.sim.build import build_firmware
from tinyfw.sim.qemu import run_elf
from tinyfw.sim.simulate import simulate
from tinyfw.sim.tflm import MAKEFILE, ensure_library, tflm_dir

pytestmark = [pytest.mark.tflm, pytest.mark.qemu, pytest.mark.toolchain, pytest.mark.slow]

BOARD = "mps2_an386"


@pytest.fixture(scope="module")
def tree() -> Path:
    if not os.environ.get("TFLM_DIR", "").strip():
        pytest.fail("TFLM_DIR is not set: `make test-tflm` tests the TFLite Micro backend "
                    "against a TFLM tree; build one as README.md 'TFLite Micro backend' says "
                    "and run `TFLM_DIR=<tree> make test-tflm`. Nothing was tested.",
                    pytrace=False)
    d = tflm_dir()
    assert (d / MAKEFILE).is_file()
    return d


def test_the_resolver_table_is_the_trees_micro_mutable_op_resolver(tree):
    header = (tree / "tensorflow/lite/micro/micro_mutable_op_resolver.h").read_text()
    found = {}
    for m in re.finditer(r"TfLiteStatus (Add\w+)\((.*?)\n  \}", header, re.DOTALL):
        op = re.search(r"BuiltinOperator_(\w+)", m.group(2))
        if op:
            found[op.group(1)] = m.group(1)
    assert len(found) > 90
    assert {k: v for k, v in RESOLVER_METHODS.items() if k in found} == {
        k: found[k] for k in RESOLVER_METHODS if k in found}
    assert set(RESOLVER_METHODS) <= set(found), set(RESOLVER_METHODS) - set(found)


@pytest.mark.parametrize("kernels", ["reference", "cmsis_nn"])
def test_tflm_firmware_equals_the_host_oracle_on_every_recorded_window(
        tree, kernels, cfg, project_model, tmp_path, monkeypatch):
    gen = tmp_path / "generated"
    generate_project(cfg, project_model, gen, backend="tflm")
    assert (gen / "model.cc").is_file() and not (gen / "model.c").exists()
    monkeypatch.setenv("TFLM_KERNELS", kernels)
    ensure_library(BOARD, gen)  # the first run builds TFLM (minutes), outside pio's timeout
    res = build_firmware(ROOT, BOARD, generated=gen, build_dir=tmp_path / "pio")
    assert res.flash > 20000  # TFLM's interpreter is linked in, not the native kernels
    report = simulate(cfg, board=BOARD, data_dir=cfg.data_dir(), split="all", gen_dir=gen,
                      build_dir=tmp_path / "pio", build=False)
    recordings = load_dataset(cfg.data_dir(), cfg)
    expected = sum(len(make_windows(r.samples, cfg.window.length, cfg.window.hop)[1])
                   for r in recordings)
    assert len(report.recordings) == len(recordings)
    assert report.windows == expected > 0
    assert [(r.name, r.first_mismatch) for r in report.recordings if r.first_mismatch] == []
    assert report.equivalent_windows == report.windows
    assert all(r.exit_code == 0 for r in report.recordings)


def test_a_too_small_arena_is_one_uart_line_and_exit_status_6(tree, cfg, project_model,
                                                              tmp_path):
    small = dataclasses.replace(cfg, firmware=FirmwareConfig(backend="tflm",
                                                             tflm_arena_bytes=256))
    gen = tmp_path / "generated"
    generate_project(small, project_model, gen)
    for name in ("app_config.c", "app_config.h"):  # the bench app has no sensor pipeline
        (gen / name).unlink()
    (gen / "bench_input.h").write_text(
        "#include <stdint.h>\nstatic const int8_t bench_input[156] = {0};\n")
    ensure_library(BOARD, gen)
    res = build_firmware(ROOT, BOARD, app="bench", generated=gen, build_dir=tmp_path / "pio")
    run = run_elf(res.elf, BOARD, timeout_s=30)
    assert run.exit_code == EXIT_INIT_FAILED == 6, run.uart_lines
    warn = [ln for ln in run.uart_lines if ln.startswith("warn tflm:")]
    assert len(warn) == 1 and "AllocateTensors() failed" in warn[0] and "256 B" in warn[0]
    assert not any(ln.startswith("bench ") for ln in run.uart_lines)
