"""The daily-loop commands without a build: `tinyfw diff` (what a retrain changed between two
build summaries: accuracy per class, confusion cells, model bytes, flash, RAM, instructions per
inference, ops added and removed), `--quiet` and `--json`, and `tinyfw all` refusing a project
it cannot build before it trains anything."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from helpers import project, tinyfw_exe

from tinyfw.summary import diff

SUMMARY_OLD = {
    "model_sha256": "a" * 64, "board": "mps2_an386", "classes": ["still", "walk"],
    "accuracy": {"int8": 0.9, "firmware": 0.9},
    "per_class": {"int8": {"still": 1.0, "walk": 0.8}, "firmware": {"still": 1.0, "walk": 0.8}},
    "confusion": {"firmware": [[10, 0, 0], [2, 8, 0]]},
    "model_bytes": 10000, "flash_bytes": 16000, "ram_bytes": 3000,
    "instructions_per_inference": 70000, "ops": ["CONV_2D", "CONV_2D", "SOFTMAX"],
}
SUMMARY_NEW = {
    **SUMMARY_OLD, "model_sha256": "b" * 64,
    "accuracy": {"int8": 0.95, "firmware": 0.9},
    "per_class": {"int8": {"still": 1.0, "walk": 0.9}, "firmware": {"still": 1.0, "walk": 0.8}},
    "confusion": {"firmware": [[10, 0, 0], [1, 8, 1]]},
    "model_bytes": 12000, "instructions_per_inference": 69000,
    "ops": ["CONV_2D", "MAX_POOL_2D", "SOFTMAX"],
}


def test_diff_names_accuracy_per_class_confusion_sizes_cost_and_ops_that_changed():
    assert diff(SUMMARY_OLD, SUMMARY_NEW) == [
        "model aaaaaaaaaaaa -> bbbbbbbbbbbb",
        "int8 accuracy 90.00 % -> 95.00 % (+5.00 points)",
        "  int8 accuracy of walk: 80.00 % -> 90.00 % (+10.00 points)",
        "  firmware confusion: walk taken for still 2 -> 1 windows",
        "  firmware confusion: walk taken for undefined 0 -> 1 windows",
        "model 10000 B -> 12000 B (+2000 B, +20.0 %)",
        "instructions per inference 70000 -> 69000 (-1000, -1.4 %)",
        "ops added: MAX_POOL_2D x1",
        "ops removed: CONV_2D x1",
    ]
    assert diff(SUMMARY_OLD, SUMMARY_OLD) == []


def test_tinyfw_diff_compares_two_summaries_and_says_so_in_json(tmp_path: Path):
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps(SUMMARY_OLD))
    new.write_text(json.dumps(SUMMARY_NEW))
    r = subprocess.run([tinyfw_exe(), "--json", "diff", str(old), str(new)], check=False, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "ops added: MAX_POOL_2D x1" in json.loads(r.stdout)["changes"]


def test_quiet_silences_a_command_and_json_leaves_stdout_to_the_summary():
    quiet = subprocess.run([tinyfw_exe(), "--quiet", "boards"], check=False,
                           capture_output=True, text=True, timeout=60)
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    js = subprocess.run([tinyfw_exe(), "--json", "boards"], check=False, capture_output=True,
                        text=True, timeout=60)
    assert js.returncode == 0
    assert json.loads(js.stdout) == {"command": "boards", "status": 0}
    assert "mps2_an386" in js.stderr  # the command's own lines, out of the way


def test_an_error_still_shows_under_quiet_as_one_line(tmp_path: Path):
    r = subprocess.run([tinyfw_exe(), "--quiet", "diff", str(tmp_path / "nope.json"),
                        str(tmp_path / "nope2.json")], check=False, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 2
    assert r.stdout == ""
    assert r.stderr == f"tinyfw: error: {tmp_path / 'nope.json'}: no summary here\n"


def test_all_refuses_a_project_it_cannot_build_before_training_anything(tmp_path: Path):
    root = project(tmp_path / "p")  # tinyfw.toml and the example data, no platformio.ini
    r = subprocess.run([tinyfw_exe(), "--project", str(root), "all"], check=False,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert r.stderr == (f"tinyfw: error: {root / 'platformio.ini'}: no platformio.ini here: "
                        "tinyfw builds the firmware in a PlatformIO project (a checkout of tinyfw "
                        "holds one); run tinyfw from there or pass --project\n")
    assert sorted(p.name for p in root.iterdir()) == ["tinyfw.toml"]  # nothing written
