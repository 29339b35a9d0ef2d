"""End to end: the project's model -> generated C -> PlatformIO build -> QEMU on every recorded
trace, compared window by window with the host pipeline (TFLM oracle)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from tinyfw.codegen.generate import embedded_model
from tinyfw.model.data import load_dataset
from tinyfw.model.oracle import Oracle
from tinyfw.model.windows import make_windows
from tinyfw.paths import BENCH_MODEL, ROOT
from tinyfw.sim.simulate import run_recording, simulate

pytestmark = [pytest.mark.qemu, pytest.mark.toolchain]

BOARD = "mps2_an386"
TINYFW = [sys.executable, "-m", "tinyfw"]


@pytest.fixture(scope="module")
def built(project_firmware):
    return project_firmware


def test_firmware_equals_the_host_oracle_on_every_window_of_every_recording(cfg, built):
    work, gen, _ = built
    report = simulate(
        cfg, board=BOARD, data_dir=cfg.data_dir(), split="all", gen_dir=gen,
        build_dir=work / "pio", build=False,
    )
    recordings = load_dataset(cfg.data_dir(), cfg)
    expected_windows = sum(
        len(make_windows(r.samples, cfg.window.length, cfg.window.hop)[1]) for r in recordings
    )
    assert len(report.recordings) == len(recordings)
    assert report.windows == expected_windows
    mismatched = [(r.name, r.first_mismatch) for r in report.recordings if r.first_mismatch]
    assert mismatched == []
    assert report.equivalent_windows == report.windows
    assert all(r.exit_code == 0 for r in report.recordings)
    # Costs are measured, not guessed: every run reports instructions and a painted stack.
    assert all(r.instructions_max and r.instructions_max > 0 for r in report.recordings)
    assert 0 < report.stack_bytes < 16384
    assert report.flash_bytes > report.arena_bytes > 0


def test_a_host_built_from_another_model_is_reported_as_mismatching(cfg, built, tmp_path):
    """The comparison can fail: firmware of the project model vs. an oracle of another one."""
    _, gen, res = built
    bench = BENCH_MODEL.read_bytes()
    mine = embedded_model(gen)
    assert hash(bench) != hash(mine), "the project model is the bench model; use another one"
    other = Oracle(bench)
    if int(np.prod(other.input.shape)) != cfg.window.length * len(cfg.data.columns):
        pytest.fail("the bench model must take the project's window to serve as the other model")
    project = Oracle(mine)
    rec = load_dataset(cfg.data_dir(), cfg)[0]
    same = run_recording(rec, res.elf, BOARD, project, cfg, tmp_path, timeout_s=30)
    assert same.first_mismatch is None and same.equivalent_windows == same.windows
    diff = run_recording(rec, res.elf, BOARD, other, cfg, tmp_path, timeout_s=30)
    assert diff.equivalent_windows < diff.windows
    assert diff.first_mismatch is not None and diff.first_mismatch.startswith("window ")


def test_simulate_on_another_data_folder_writes_the_report_fields(cfg, built, tmp_path):
    """`tinyfw simulate --data DIR --json FILE` on any folder laid out like st-har."""
    work, gen, _ = built
    data = tmp_path / "data"
    for cls in cfg.data.classes:
        (data / cls).mkdir(parents=True)
        for src in sorted((cfg.data_dir() / cls).glob("*.csv"))[:2]:
            shutil.copy(src, data / cls / src.name)
    out = tmp_path / "report.json"
    report = simulate(
        cfg, board=BOARD, data_dir=data, split="all", gen_dir=gen, build_dir=work / "pio",
        build=False, json_path=out,
    )
    assert report.ok
    d = json.loads(out.read_text())
    for key in ("board", "firmware_accuracy", "windows", "equivalent_windows", "flash_bytes",
                "ram_bytes", "instructions_per_inference"):
        assert key in d, key
    assert d["recordings_count"] == 2 * len(cfg.data.classes)
    assert d["equivalent_windows"] == d["windows"] > 0
    assert d["ram_bytes"] == d["static_ram_bytes"] + d["stack_bytes"]


def test_simulate_names_an_unknown_board_in_one_line_with_status_2(tmp_path):
    r = subprocess.run([*TINYFW, "simulate", "--board", "no_such_board"], cwd=ROOT,
                       capture_output=True, text=True, timeout=120, check=False)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "no_such_board" in lines[0] and "Traceback" not in r.stderr
