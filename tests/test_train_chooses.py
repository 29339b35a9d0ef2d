"""`tinyfw train` picks the settings that suit the data (synthetic datasets, tests/synthetic_imu.py):
where the phone's orientation is the class, rotation augmentation and centring (the old
defaults) leave it at chance, and train chooses to keep orientation. (`make test` covers the
choice logic in test_model_choose.py and the search on the example data in test_model_train.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from synthetic_imu import write_project

from tinyfw.config import load_config
from tinyfw.model.train import train

# A few minutes on a loaded 2-core machine: `make test-nightly`, not `make test`.
pytestmark = pytest.mark.nightly


def run(root: Path, out: str):
    cfg = load_config(root / "tinyfw.toml")
    lines: list[str] = []
    result = train(cfg, cfg.data_dir(), root / out, log=lines.append)
    return result, lines


@pytest.fixture(scope="module")
def orientation(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_project("orientation", tmp_path_factory.mktemp("orientation"))


def test_where_orientation_is_the_class_train_keeps_it_and_says_why(orientation):
    result, lines = run(orientation, "auto")
    chosen = result.choice["chosen"]
    assert chosen["model.augment_rotation"] is False and chosen["preprocess.center"] is False
    assert result.int8_accuracy >= 0.9, lines
    table = lines[lines.index(next(ln for ln in lines if ln.startswith("choosing"))) + 1:]
    assert table[0].split() == ["rotation", "time_warp", "center", "val_accuracy"]
    assert sum("<- chosen" in ln for ln in table[1:6]) == 1
    assert any(ln.startswith("chose rotation off") for ln in lines)
    report = json.loads((orientation / "auto" / "report.json").read_text())
    assert report["choice"]["chosen"] == chosen and len(report["choice"]["candidates"]) == 5
    assert report["contract"]["preprocess.center"] is False  # what the firmware will do


def test_the_old_defaults_leave_the_orientation_dataset_at_chance(orientation):
    text = (orientation / "tinyfw.toml").read_text()
    old = orientation.parent / "old"
    old.mkdir()
    (old / "tinyfw.toml").write_text(
        text.replace('dir = "data"', f'dir = "{orientation / "data"}"').replace(
            "seed = 3\n", "seed = 3\naugment_rotation = true\naugment_time_warp = true\n"
                          "\n[preprocess]\ncenter = true\n"))
    result, _ = run(old, "out")
    assert result.choice["candidates"] == []  # nothing auto: nothing tried
    assert result.int8_accuracy <= 0.5


def test_recordings_one_window_long_train_with_time_warp_instead_of_being_dropped(tmp_path):
    """Arduino-style fixed-length gestures, window = recording: with the old defaults fixed
    (rotation, time-warp, centring on) tinyfw 0.1.0 scored 0.55 on this test split (time-warp
    dropped every recording it replayed faster); now each keeps its window."""
    root = write_project("one_window", tmp_path, model_extra=(
        "augment_rotation = true\naugment_time_warp = true\n\n[preprocess]\ncenter = true\n"))
    result, _ = run(root, "out")
    assert result.choice["candidates"] == []
    assert result.windows["train"] == 44 and result.int8_accuracy >= 0.9
