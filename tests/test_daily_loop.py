"""The daily loop: `tinyfw all` runs only the stale steps and prints only tinyfw's own lines
(no TensorFlow C++ logging), a second run with nothing changed runs nothing and takes seconds,
a change names the inputs that make a step stale, `--quiet` and `--json` serve scripts, and
`tinyfw diff` says what a retrain changed. Real training, real PlatformIO build, real QEMU."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from helpers import ST_HAR, project, tinyfw_exe

from tinyfw.config import load_config
from tinyfw.console import Console
from tinyfw.paths import ROOT
from tinyfw.pipeline import PIPELINE, Ctx, why_stale

pytestmark = [pytest.mark.slow, pytest.mark.qemu, pytest.mark.toolchain]

# What a PlatformIO project needs besides tinyfw.toml and the data.
PROJECT_FILES = ("platformio.ini", "platform", "boards", "firmware")
# TensorFlow / absl / XLA / MLIR log lines that must never reach the terminal.
TF_NOISE = re.compile(
    r"oneDNN|cpu_feature_guard|absl::InitializeLog|^[IWEF]\d{4} |tensorflow/|TF-TRT|"
    r"MLIR|mlir|loc\(|XLA|rebuild TensorFlow|SavedModel|Estimated count of arithmetic ops"
)
# The first words of every line `tinyfw all` prints (its own lines, nothing else).
OWN_LINES = re.compile(
    r"^(train|generate|build|simulate): |^simulate \S+: \d+/\d+ |^recordings: |^epoch \d+/\d+: |^test accuracy: |"
    r"^board \S+: \d+ recordings|^firmware accuracy |^flash \d+ B, RAM |^PASS$|^done in "
    # train's choice of the `auto` settings: what it tried (a table) and what it chose
    r"|^choosing |^  rotation +time_warp +center +val_accuracy$|^  (on|off) +(on|off) +(on|off) +\d"
    r"|^chose |^no validation recordings to choose "
)


def _run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tinyfw_exe(), "--project", str(root), *args], check=False, capture_output=True,
                          text=True, timeout=600, cwd=root)


@pytest.fixture(scope="module")
def loop_project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """A small project (4 real recordings per class, a small net, 1 epoch) built from scratch
    by one `tinyfw all`: (folder, that first run)."""
    root = tmp_path_factory.mktemp("loop")
    for name in PROJECT_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, root / name, ignore=shutil.ignore_patterns(".*", "__pycache__"))
        else:
            shutil.copy(src, root / name)
    for cls in ("stationary", "walking", "running"):
        for csv in sorted((ST_HAR / cls).glob("*.csv"))[:4]:
            (root / "data" / cls).mkdir(parents=True, exist_ok=True)
            shutil.copy(csv, root / "data" / cls / csv.name)
    project(root, data="data", extra=(
        "filters = [4]\nkernel_sizes = [5]\ndense = 8\n"
        "[split]\nvalidation = 0.25\ntest = 0.25\n[post]\nmethod = \"argmax\"\n"))
    return root, _run(root, "all")


def test_a_first_run_trains_generates_builds_and_simulates_printing_only_its_own_lines(
        loop_project):
    root, first = loop_project
    assert first.returncode == 0, first.stdout + first.stderr
    assert first.stderr == ""  # TensorFlow's C++ logging captured, nothing else on stderr
    lines = first.stdout.splitlines()
    assert [ln for ln in lines if TF_NOISE.search(ln)] == []
    assert [ln for ln in lines if not OWN_LINES.match(ln)] == []
    for step in ("train", "generate", "build", "simulate"):
        assert f"{step}: running (never run here)" in lines
        assert (root / "build" / "stamps").glob(f"{step}*.json")
    assert lines[-2] == "PASS"


def test_a_second_run_with_nothing_changed_runs_nothing_in_seconds(loop_project):
    root, first = loop_project
    assert first.returncode == 0
    t0 = time.monotonic()
    again = _run(root, "--json", "all")
    seconds = time.monotonic() - t0
    assert again.returncode == 0, again.stderr
    result = json.loads(again.stdout)  # stdout: the JSON summary only
    assert result["ran"] == []
    assert result["ok"] is True
    assert seconds < 10, f"a run with nothing to do took {seconds:.1f} s"
    for step in ("train", "generate", "build", "simulate"):
        assert f"{step}: up to date" in again.stderr.splitlines()
    assert result["summary"]["windows"] == result["summary"]["equivalent_windows"] > 0


def test_quiet_prints_nothing_when_all_is_well(loop_project):
    root, _ = loop_project
    r = _run(root, "--quiet", "all")
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")


def _stale(root: Path) -> dict[str, str | None]:
    cfg = load_config(root / "tinyfw.toml")
    ctx = Ctx(cfg, cfg.board.id, cfg.data_dir(), "test", Console(quiet=True))
    return {s.name: why_stale(ctx, s, s.inputs(ctx)) for s in PIPELINE}


def test_a_changed_setting_or_recording_makes_exactly_the_steps_that_read_it_stale(loop_project):
    root, first = loop_project
    assert first.returncode == 0
    assert _stale(root) == dict.fromkeys(("train", "generate", "build", "simulate"))
    toml = root / "tinyfw.toml"
    text = toml.read_text()
    try:
        toml.write_text(text.replace('method = "argmax"', 'method = "vote"\nvote = 3'))
        stale = _stale(root)
        assert stale["generate"] == "changed: tinyfw.toml [post]"
        assert stale["simulate"] == "changed: tinyfw.toml [post]"
        assert stale["train"] == "changed: tinyfw.toml [post]"  # post-processed accuracy
        assert stale["build"] is None  # its input is what generate writes, unchanged yet
    finally:
        toml.write_text(text)
    csv = min((root / "data" / "walking").glob("*.csv"))
    data = csv.read_bytes()
    try:
        csv.write_bytes(data + data.splitlines(keepends=True)[0])  # one more frame
        stale = _stale(root)
        assert stale["train"] == f"changed: data/walking/{csv.name}"
        assert stale["generate"] is None
    finally:
        csv.write_bytes(data)
    model = root / "build" / "model" / "model_int8.tflite"
    model.write_bytes(model.read_bytes() + b"\0")
    assert _stale(root)["train"] == "output changed since: build/model/model_int8.tflite"


@pytest.mark.nightly
def test_report_collects_measures_and_writes_the_page_of_a_fresh_project(loop_project):
    """`tinyfw report` end to end: per-op instructions from a traced bench build, the fit
    table from `cost`, a timeline from the firmware in QEMU (make test-nightly)."""
    root, first = loop_project
    assert first.returncode == 0
    cfg = load_config(root / "tinyfw.toml")
    name = "walking/" + min((root / "data" / "walking").glob("*.csv")).name
    r = _run(root, "report", "--cost-board", "mps2_an386", "--cost-board", "lm3s6965evb",
             "--recording", name)
    if r.returncode == 2 and "no recording named" in r.stderr:  # not in the test split
        name = json.loads((root / "build" / "model" / "report.json").read_text())["split"][
            "test"][0]
        r = _run(root, "report", "--cost-board", "mps2_an386", "--cost-board", "lm3s6965evb",
                 "--recording", name)
    assert r.returncode == 0, r.stderr
    assert [ln for ln in r.stdout.splitlines() + r.stderr.splitlines() if TF_NOISE.search(ln)] \
        == []
    page = root / "build" / "report" / "index.html"
    assert page.stat().st_size > 50_000
    data = json.loads((root / "build" / "report" / "data.json").read_text())
    assert [c["board"] for c in data["costs"]] == ["mps2_an386", "lm3s6965evb"]
    layers = data["layers"]
    assert all(x["instructions"] > 0 for x in layers if x["macs"] > 0)
    measured = sum(x["instructions"] or 0 for x in layers)
    assert 0 < measured <= data["summary"]["instructions_per_inference"]
    t = data["timeline"]
    assert t["recording"] == name
    samples = len(t["samples"])
    assert len(t["windows"]) == (samples - cfg.window.length) // cfg.window.hop + 1
