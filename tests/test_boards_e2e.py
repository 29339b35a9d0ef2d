"""The project's firmware on every simulated board: built for the board, run in QEMU on recorded
traces, equal to the host pipeline (TFLM oracle) on every window. The default board runs every
recording in tests/test_e2e_simulation.py. Within `make test`'s time budget, the boards of QUICK
run one recording per class (each a core or board support no other board here has: the M0
without DSP or divide, the M55, the STM32F4 drivers); under `make test-nightly` every other
board does too, and every board runs every recording."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tinyfw.config import Config
from tinyfw.model.data import load_dataset
from tinyfw.paths import ROOT
from tinyfw.sim.boards import simulated_boards
from tinyfw.sim.build import build_firmware
from tinyfw.sim.simulate import simulate

pytestmark = [pytest.mark.qemu, pytest.mark.toolchain]

DEFAULT = "mps2_an386"
OTHERS = [b.id for b in simulated_boards(ROOT) if b.id != DEFAULT]
QUICK = ["microbit", "mps3_an547", "netduinoplus2"]
ONE_PER_CLASS = [b if b in QUICK else pytest.param(b, marks=pytest.mark.nightly) for b in OTHERS]


def one_recording_per_class(cfg: Config, folder: Path) -> Path:
    for cls in cfg.data.classes:
        (folder / cls).mkdir(parents=True)
        src = min((cfg.data_dir() / cls).glob("*.csv"))
        shutil.copy(src, folder / cls / src.name)
    return folder


def run_board(cfg: Config, project_firmware, board: str, data: Path, tmp_path: Path) -> dict:
    _, gen, _ = project_firmware
    build_firmware(ROOT, board, generated=gen, build_dir=tmp_path / "pio")
    out = tmp_path / "report.json"
    report = simulate(cfg, board=board, data_dir=data, split="all", gen_dir=gen,
                      build_dir=tmp_path / "pio", build=False, json_path=out)
    assert report.ok, [(r.name, r.first_mismatch, r.exit_code) for r in report.recordings]
    return json.loads(out.read_text())


@pytest.mark.parametrize("board", ONE_PER_CLASS)
def test_the_firmware_equals_the_oracle_on_one_recording_per_class_on_every_board(
    cfg, project_firmware, board, tmp_path
):
    data = one_recording_per_class(cfg, tmp_path / "data")
    d = run_board(cfg, project_firmware, board, data, tmp_path)
    assert d["board"] == board
    assert d["recordings_count"] == len(cfg.data.classes)
    assert d["equivalent_windows"] == d["windows"] > 0
    assert d["instructions_per_inference"] > 0 and d["stack_bytes"] > 0


@pytest.mark.nightly
@pytest.mark.parametrize("board", OTHERS)
def test_the_firmware_equals_the_oracle_on_every_recording_on_every_board(
    cfg, project_firmware, board, tmp_path
):
    d = run_board(cfg, project_firmware, board, cfg.data_dir(), tmp_path)
    assert d["recordings_count"] == len(load_dataset(cfg.data_dir(), cfg))
    assert d["equivalent_windows"] == d["windows"] > 0
