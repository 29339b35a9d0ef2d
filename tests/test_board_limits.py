"""A firmware too big for its board is one line naming the manifest field that is too small;
a project made outside a checkout still knows the boards and says why it cannot build."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tinyfw.paths import ROOT

pytestmark = pytest.mark.toolchain

TINYFW = [sys.executable, "-m", "tinyfw"]


def checkout_with(tmp: Path, **upload: int) -> Path:
    """A copy of the PlatformIO project whose mps2_an386 manifest has other upload limits."""
    root = tmp / "checkout"
    root.mkdir()
    for f in ("platformio.ini", "tinyfw.toml"):
        shutil.copy2(ROOT / f, root)
    for folder in ("platform", "boards", "sim", "tinyfw", "firmware"):
        shutil.copytree(ROOT / folder, root / folder,
                        ignore=shutil.ignore_patterns("__pycache__"), symlinks=True)
    manifest = root / "boards" / "mps2_an386.json"
    data = json.loads(manifest.read_text())
    data["upload"].update(upload)
    manifest.write_text(json.dumps(data, indent=2))
    return root


def build(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*TINYFW, "--project", str(root), "build"], capture_output=True,
                          text=True, timeout=300, check=False)


# What the linker needs at least: the 1 MiB TRACE region (tinyfw.trace_region), the 16 KiB +
# 1 KiB stacks and the model's arena; under that the build is refused before compiling.
ARENA = json.loads((ROOT / "firmware" / "generated" / "model.json").read_text())["arena_bytes"]
BOUND = 2**20 + 16384 + 1024 + ARENA


@pytest.mark.parametrize(
    ("limits", "field", "words"),
    [({"maximum_ram_size": BOUND + 64}, "upload.maximum_ram_size",
      "the firmware does not fit the board"),  # the linker: the app's own data overflow
     ({"maximum_size": 4096}, "upload.maximum_size", "the firmware does not fit the board"),
     ({"maximum_ram_size": BOUND - 8}, "upload.maximum_ram_size",
      f"the model does not fit mps2_an386: it needs at least {BOUND} B of RAM")],
)
def test_a_firmware_too_big_for_the_board_names_the_field_that_is_too_small(
    tmp_path: Path, limits: dict[str, int], field: str, words: str
):
    root = checkout_with(tmp_path, **limits)
    r = build(root)
    assert r.returncode == 2, r.stderr
    (line,) = r.stderr.splitlines()
    assert line.startswith(f"tinyfw: error: {root / 'boards' / 'mps2_an386.json'}: {field}: "
                           f"{words}"), line
    if "firmware" in words:
        assert "overflowed by" in line
    else:
        assert f"the board has {BOUND - 8} B" in line


def test_a_project_outside_the_checkout_knows_the_boards_and_says_why_it_cannot_build(
    tmp_path: Path,
):
    (tmp_path / "tinyfw.toml").write_text('[board]\nid = "lm3s6965evb"\n')
    r = build(tmp_path)
    assert r.returncode == 2, r.stderr
    assert r.stderr == (
        f"tinyfw: error: {tmp_path / 'platformio.ini'}: no platformio.ini here: tinyfw builds "
        "the firmware in a PlatformIO project (a checkout of tinyfw holds one); run tinyfw "
        "from there or pass --project\n")
    r = subprocess.run([*TINYFW, "--project", str(tmp_path), "build", "--board", "nope"],
                       capture_output=True, text=True, timeout=60, check=False)
    assert r.returncode == 2 and "known boards: " in r.stderr and "mps2_an386" in r.stderr
