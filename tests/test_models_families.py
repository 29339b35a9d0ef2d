"""Whole models a user would train (tests/opcases/models.py: Dense MLP, Conv1D stack,
depthwise-separable MobileNet-like, residual block with ADD, LOGISTIC multi-label head, two
towers with CONCATENATION, float32 input/output), each generated, built with PlatformIO, run
under QEMU on seeded random inputs and on recorded windows of the st-har traces (preprocessed
as the firmware does), and equal to TFLite Micro on every output byte; on the host (gcc +
ASan/UBSan) every recorded window is checked."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from opcases import models

from tinyfw.codegen.generate import compile_model
from tinyfw.codegen.tflite_reader import read_model
from tinyfw.paths import EXAMPLE_DATA, ROOT
from tinyfw.sim import verify as V

pytestmark = [pytest.mark.qemu, pytest.mark.toolchain]

DATA = EXAMPLE_DATA
FAMILIES = [f.name for f in models.FAMILIES]
BOARDS = ["mps2_an386", "lm3s6965evb"]


def family_model(name: str) -> Path:
    entry = models.load_manifest()["families"].get(name)
    assert entry is not None, f"run `python tests/opcases/models.py generate --family {name}`"
    path = models.DATA / entry["file"]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"], (
        f"{path} does not match its manifest sha256")
    return path


def recordings() -> Path:
    assert DATA.is_dir(), f"the st-har recordings are expected in {DATA}"
    return DATA


@pytest.fixture(scope="module")
def board_dirs(tmp_path_factory):
    return {b: tmp_path_factory.mktemp(f"models-{b}") for b in BOARDS}


@pytest.mark.parametrize("board", BOARDS)
@pytest.mark.parametrize("family", FAMILIES)
def test_model_family_matches_tflite_micro_under_qemu_on_random_and_recorded_windows(
        family, board, board_dirs):
    report = V.verify_model(family_model(family), board=board, inputs=24, seed=11,
                            data_dir=recordings(), project_root=ROOT,
                            workdir=board_dirs[board], max_windows=150)
    assert report.inputs == 24 + report.recorded_inputs and report.recorded_inputs >= 100
    assert report.mismatches == 0, report.summary()
    assert report.instructions is not None and report.instructions["min"] > 0


@pytest.mark.parametrize("family", FAMILIES)
def test_model_family_matches_tflite_micro_on_the_host_on_every_recorded_window(family, tmp_path):
    path = family_model(family)
    graph = read_model(path)
    code = compile_model(graph)
    records, labels = V.recorded_records(graph, recordings(), ROOT)
    records = V.random_records(graph, 64, 5) + records
    oracle = V.Oracle(graph.raw)
    expected = [oracle.run_bytes(r, len(graph.outputs)) for r in records]
    got, _ = V.run_host(code, records, tmp_path)
    mismatches = V.compare_outputs(graph, expected, got, ["random"] * 64 + labels)
    assert len(records) > 5000
    assert not mismatches, f"{len(mismatches)} of {len(records)} differ; first: {mismatches[0]}"
