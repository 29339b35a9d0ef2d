"""Simulation runs stand alone: one TFLM interpreter per worker, trace files in a folder of
their own, short command lines whatever the project path, and an ELF built from another model
is refused. Real PlatformIO builds, real QEMU, the real TFLM oracle."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import pytest
from helpers import assert_one_line_error, project, run_subprocess

from tinyfw.codegen.generate import embedded_model
from tinyfw.config import load_config
from tinyfw.model import contract
from tinyfw.paths import BENCH_MODEL, ROOT
from tinyfw.sim.cost import cost_report
from tinyfw.sim.qemu import run_elf
from tinyfw.sim.simulate import simulate

pytestmark = [pytest.mark.qemu, pytest.mark.toolchain]

BOARD = "mps2_an386"
CLASSES = ("stationary", "walking", "running")
# What a PlatformIO project needs besides tinyfw.toml and the data.
PROJECT_FILES = ("platformio.ini", "platform", "boards", "firmware")


def write_recording(path: Path, rng: np.random.Generator, label: int, samples: int) -> None:
    """A synthetic accelerometer trace (x, y, z in mg, no header), louder for higher labels."""
    t = np.arange(samples)[:, None]
    phase = rng.uniform(0, 2 * np.pi, size=3)
    wave = (150 + 600 * label) * np.sin(2 * np.pi * (0.5 + label) * t / 26.0 + phase)
    noise = rng.normal(0, 40 + 80 * label, size=(samples, 3))
    values = np.clip(np.rint(wave + noise + [0, 0, 1000]), -4000, 4000).astype(int)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{x},{y},{z}\n" for x, y, z in values), encoding="ascii")


def synthetic_dataset(folder: Path, *, classes: tuple[str, ...] = CLASSES, per_class: int,
                      samples: int, seed: int, names: str = "{cls}_{i:02d}.csv") -> Path:
    rng = np.random.default_rng(seed)
    for label, cls in enumerate(classes):
        for i in range(per_class):
            write_recording(folder / cls / names.format(cls=cls, i=i), rng, label, samples)
    return folder


def leftover_run_folders(root: Path) -> set[Path]:
    return set((root / "build" / "sim" / BOARD).glob("run-*"))


def comparable(report) -> list[dict]:
    """Every per-recording field but the wall-clock time."""
    return [{k: v for k, v in asdict(r).items() if k != "wall_s"} for r in report.recordings]


@pytest.fixture(scope="module")
def built(project_firmware):
    return project_firmware


def tinyfw(root: Path, args: list[str], timeout: float = 600):
    """The real `tinyfw` command on the project at `root`."""
    return run_subprocess(["--project", str(root), *args], timeout=timeout)


def copied_project(root: Path, data: Path, classes: tuple[str, ...], model: Path) -> Path:
    """The tinyfw project copied to `root` (any path), with its own data and the given model
    generated into firmware/generated."""
    for name in PROJECT_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, root / name, symlinks=True,
                            ignore=shutil.ignore_patterns("__pycache__", ".pio"))
        else:
            root.mkdir(parents=True, exist_ok=True)
            shutil.copy(src, root / name)
    project(root, data=data, classes=classes)
    # The same network, its contract saying it was trained for this project's classes.
    mine = root / "model_int8.tflite"
    mine.write_bytes(contract.embed(model.read_bytes(),
                                    contract.from_config(load_config(root / "tinyfw.toml"))))
    r = tinyfw(root, ["generate", "--model", str(mine), "--force"])
    assert r.status == 0, r.err
    return root


def test_three_simulations_of_3000_windows_with_four_jobs_agree_with_the_oracle_every_time(
    cfg, built, tmp_path
):
    work, gen, _ = built
    # 3 classes x 10 recordings x 1352 samples: 101 windows (length 52, hop 13) each.
    data = synthetic_dataset(tmp_path / "data", per_class=10, samples=1352, seed=7)
    reports = [
        simulate(cfg, board=BOARD, data_dir=data, gen_dir=gen, build_dir=work / "pio",
                 build=False, jobs=4)
        for _ in range(3)
    ]
    first = reports[0]
    assert first.windows >= 3000
    for report in reports:
        assert [(r.name, r.first_mismatch) for r in report.recordings if r.first_mismatch] == []
        assert report.equivalent_windows == report.windows == first.windows
        assert report.ok
        assert comparable(report) == comparable(first)


def test_two_simulations_at_once_and_a_csv_beside_its_upper_case_twin_both_pass(
    cfg, built, tmp_path
):
    work, gen, _ = built
    # a project root of its own: other simulations (pytest -n) may run in the checkout's build/
    (tmp_path / "root").mkdir()
    cfg = replace(cfg, path=tmp_path / "root" / "tinyfw.toml")
    before = leftover_run_folders(cfg.root)
    one = synthetic_dataset(tmp_path / "one", per_class=3, samples=400, seed=11,
                            names="x{i}.csv")
    # Same stem, suffix differing in case only, different samples: both are recordings.
    write_recording(one / "walking" / "x0.CSV", np.random.default_rng(12), 2, 300)
    two = synthetic_dataset(tmp_path / "two", per_class=3, samples=400, seed=13,
                            names="x{i}.csv")
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = [
            pool.submit(simulate, cfg, board=BOARD, data_dir=data, gen_dir=gen,
                        build_dir=work / "pio", build=False, jobs=2)
            for data in (one, two)
        ]
        reports = [f.result() for f in runs]
    for report in reports:
        assert [(r.name, r.first_mismatch) for r in report.recordings if r.first_mismatch] == []
        assert report.ok
    names = [r.name for r in reports[0].recordings]
    assert "walking/x0.csv" in names and "walking/x0.CSV" in names
    assert len(reports[0].recordings) == 10 and reports[0].windows > 0
    assert leftover_run_folders(cfg.root) == before


def test_a_command_line_longer_than_the_firmware_buffer_is_reported_on_the_uart(
    built, tmp_path
):
    _, _, res = built
    r = run_elf(res.elf, BOARD, args=["t" * 300], argv0="firmware.elf", cwd=tmp_path,
                timeout_s=30)
    assert r.exit_code == 5, r.uart_lines
    assert "warn the command line is longer than 255 bytes (use shorter paths)" in r.uart_lines
    assert not any(line.startswith("win ") for line in r.uart_lines)


def long_spaced_folder(base: Path, length: int) -> Path:
    """A folder under `base` whose absolute path is `length` characters, with spaces in
    every component (each at most 100 characters)."""
    path = base
    while len(str(path)) < length - 101:
        path = path / ("a folder with spaces " + "x" * 79)
    last = length - len(str(path)) - 1
    path = path / ("project " + "y" * (last - 8))
    assert len(str(path)) == length
    return path


def test_a_project_under_a_1024_character_path_with_spaced_names_builds_and_simulates(
    project_model, tmp_path
):
    root = long_spaced_folder(tmp_path, 1024)
    classes = ("stationary", "walking", "sitting down")
    data = root / "my data"
    synthetic_dataset(data, classes=classes, per_class=2, samples=200, seed=3,
                      names="{cls} {i:02d}.csv")
    assert (data / "walking" / "walking 01.csv").is_file()
    copied_project(root, data, classes, project_model)

    r = tinyfw(root, ["build"])
    assert r.status == 0, r.out + r.err
    r = tinyfw(root, ["simulate", "--no-build"])
    assert r.status == 0, r.out + r.err
    assert r.out.rstrip().endswith("PASS"), r.out
    assert "6 recordings" in r.out
    assert leftover_run_folders(root) == set()


def test_simulating_an_elf_built_from_another_model_says_rebuild_in_one_line_with_status_2(
    project_model, tmp_path
):
    root = tmp_path / "proj"
    data = synthetic_dataset(tmp_path / "data", per_class=1, samples=120, seed=5)
    copied_project(root, data, CLASSES, project_model)
    r = tinyfw(root, ["build"])
    assert r.status == 0, r.out + r.err
    assert embedded_model(root / "firmware" / "generated") != BENCH_MODEL.read_bytes()
    r = tinyfw(root, ["generate", "--model", str(BENCH_MODEL), "--force"])
    assert r.status == 0, r.err

    r = tinyfw(root, ["simulate", "--no-build"])
    elf = root / ".pio" / "build" / BOARD / "firmware.elf"
    assert_one_line_error(r, file=elf, words=("built from another model", "tinyfw build"))


def test_cost_of_two_boards_measured_at_once_equals_the_cost_measured_one_by_one(cfg):
    boards = ["mps2_an386", "lm3s6965evb"]
    data = cfg.data_dir()
    at_once = cost_report(cfg, boards, data_dir=data, jobs=2)
    one_by_one = cost_report(cfg, boards, data_dir=data, jobs=1)
    assert [c.board for c in at_once] == boards
    assert [asdict(c) for c in at_once] == [asdict(c) for c in one_by_one]
    assert all(c.instructions_per_inference for c in at_once)
    for b in boards:
        assert list((cfg.root / "build" / "cost" / b).glob("run-*")) == []
