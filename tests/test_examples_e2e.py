"""Each committed dataset shape (examples/<shape>, read as published through its tinyfw.toml,
no conversion script) goes train -> generate -> build -> simulate, and the firmware equals the
host pipeline (TFLM oracle) on every window of every recording.

One shape runs in `make test` (a few epochs); all five run in `make test-nightly`
(`pytest -m nightly`) with the epochs of their tinyfw.toml, and print their numbers.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from helpers import run_inproc

from tinyfw.config import load_config
from tinyfw.model.data import load_dataset
from tinyfw.model.train import train
from tinyfw.model.windows import window_starts
from tinyfw.paths import ROOT
from tinyfw.project import generate_project
from tinyfw.sim.build import build_firmware
from tinyfw.sim.simulate import simulate

EXAMPLES = ROOT / "examples"
SHAPES = ["arduino-imu", "phone-web", "research-txt", "participant-csv", "edge-impulse"]
BOARD = "mps2_an386"


def run_shape(shape: str, tmp: Path, epochs: int | None = None, init: bool = False) -> dict:
    """train -> generate -> build -> simulate; with `init`, on the tinyfw.toml that
    `tinyfw init` writes (its CONFIRM lines taken as they are, but the participant file's
    label 0, which init asks to remove) instead of the committed one."""
    proj = tmp / shape
    shutil.copytree(EXAMPLES / shape, proj)
    if init:
        (proj / "tinyfw.toml").unlink()
        r = run_inproc(["init", "--data", str(proj / "data"), "--out", str(proj / "tinyfw.toml")])
        assert r.status == 0, r.err
        text = (proj / "tinyfw.toml").read_text()
        (proj / "tinyfw.toml").write_text(text.replace('["0", "1", "3", "4"]', '["1", "3", "4"]'))
    cfg = load_config(proj / "tinyfw.toml")
    if epochs is not None:
        cfg = replace(cfg, model=replace(cfg.model, epochs=epochs))
    result = train(cfg, cfg.data_dir(), proj / "build" / "model", log=lambda s: None)
    gen = proj / "generated"
    generate_project(cfg, proj / "build" / "model" / "model_int8.tflite", gen)
    build_firmware(ROOT, BOARD, generated=gen, build_dir=proj / "pio")
    report = simulate(cfg, board=BOARD, data_dir=cfg.data_dir(), split="all", gen_dir=gen,
                      build_dir=proj / "pio", build=False,
                      training_report=proj / "build" / "model" / "report.json")
    recordings = load_dataset(cfg.data_dir(), cfg)
    expected = sum(len(window_starts(len(r.samples), cfg.window.length, cfg.window.hop))
                   for r in recordings)
    assert len(report.recordings) == len(recordings)
    assert report.windows == expected > 0
    mismatched = [(r.name, r.first_mismatch) for r in report.recordings if r.first_mismatch]
    assert mismatched == []
    assert report.equivalent_windows == report.windows
    return {"shape": shape, "int8_accuracy": result.int8_accuracy,
            "float_accuracy": result.float_accuracy, "test_windows": result.test_windows,
            "windows": report.windows, "equivalent_windows": report.equivalent_windows,
            "firmware_accuracy": report.firmware_accuracy}


@pytest.mark.slow
@pytest.mark.qemu
@pytest.mark.toolchain
def test_the_research_txt_shape_runs_bit_exact_on_the_board_with_no_conversion(tmp_path):
    numbers = run_shape("research-txt", tmp_path, epochs=10)
    print(numbers)
    assert numbers["int8_accuracy"] > 0.5  # three classes: chance is 1/3


@pytest.mark.nightly
@pytest.mark.slow
@pytest.mark.qemu
@pytest.mark.toolchain
@pytest.mark.parametrize("shape", SHAPES)
def test_every_example_shape_trains_and_runs_bit_exact_on_the_board(shape, tmp_path):
    numbers = run_shape(shape, tmp_path)
    print(numbers)
    assert numbers["int8_accuracy"] >= 0.8


@pytest.mark.nightly
@pytest.mark.slow
@pytest.mark.qemu
@pytest.mark.toolchain
@pytest.mark.parametrize("shape", SHAPES)
def test_what_tinyfw_init_writes_for_every_shape_trains_and_runs_bit_exact(shape, tmp_path):
    numbers = run_shape(shape, tmp_path, init=True)
    print(numbers)
    assert numbers["int8_accuracy"] > 0.5  # guessed settings: better than chance (1/3)
