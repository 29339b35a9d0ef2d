"""Shared by tests/test_bad_*.py, test_regen_*.py, test_determinism_*.py and test_fuzz_*.py:
run the real CLI on a bad input and check the promise of docs/ARCHITECTURE.md — exactly one line
`tinyfw: error: FILE[:LINE]: [FIELD: ]MESSAGE` on stderr, exit status 2, no traceback.

Imported as `helpers` (tests/conftest.py puts this folder on the import path).
"""

from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tinyfw.cli import main
from tinyfw.paths import EXAMPLE_DATA

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
ST_HAR = EXAMPLE_DATA
FUZZ = ROOT / "fuzz"
if str(FUZZ) not in sys.path:
    sys.path.insert(0, str(FUZZ))


@dataclass
class Result:
    status: int
    out: str
    err: str


def tinyfw_exe() -> str:
    """The installed `tinyfw` console script of this venv (the real entry point)."""
    exe = Path(sys.executable).parent / "tinyfw"
    if not exe.exists():
        found = shutil.which("tinyfw")
        if found is None:
            raise AssertionError(
                "the tinyfw command is not installed in this venv: run `make setup` "
                "(pip install -e .)"
            )
        return found
    return str(exe)


def run_inproc(args: list[str]) -> Result:
    """tinyfw.cli.main(args) with stdout/stderr captured (fast: most catalogue cases)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(args)
        except SystemExit as e:  # argparse usage errors
            status = e.code if isinstance(e.code, int) else 2
    return Result(status, out.getvalue(), err.getvalue())


def run_subprocess(args: list[str], cwd: Path | None = None, timeout: float = 60) -> Result:
    """The real command in its own process (what a user runs)."""
    r = subprocess.run(
        [tinyfw_exe(), *args], capture_output=True, text=True, cwd=cwd, timeout=timeout,
        check=False,
    )
    return Result(r.returncode, r.stdout, r.stderr)


def assert_one_line_error(
    r: Result,
    *,
    file: Path | str | None,
    line: int | None = None,
    field: str | None = None,
    words: str | tuple[str, ...] = (),
) -> str:
    """Exit 2 and exactly one `tinyfw: error:` line naming file (and line, field); returns it."""
    assert r.status == 2, f"exit status {r.status}, stderr:\n{r.err}\nstdout:\n{r.out}"
    assert "Traceback" not in r.err, r.err
    lines = r.err.splitlines()
    assert len(lines) == 1 and r.err.endswith("\n"), f"not one line:\n{r.err}"
    msg = lines[0]
    assert msg.startswith("tinyfw: error: "), msg
    if file is not None:
        where = f"tinyfw: error: {file}"
        if line is not None:
            where += f":{line}"
        assert msg.startswith(where + ":"), f"expected {where!r} at the start of:\n{msg}"
    if field is not None:
        assert f": {field}: " in msg or f" {field}" in msg, f"field {field!r} not in:\n{msg}"
    for w in (words,) if isinstance(words, str) else words:
        assert w in msg, f"{w!r} not in:\n{msg}"
    return msg


def project(
    tmp: Path, *, data: Path | str | None = None, extra: str = "", classes: tuple[str, ...] = (
        "stationary", "walking", "running")
) -> Path:
    """A minimal project folder with a tinyfw.toml (data dir, classes, small model, 1 epoch)."""
    tmp.mkdir(parents=True, exist_ok=True)
    toml_classes = ", ".join(toml_string(c) for c in classes)
    text = (
        "[data]\n"
        f"dir = {toml_string(str(data if data is not None else ST_HAR))}\n"
        f"classes = [{toml_classes}]\n"
        "[window]\nlength = 52\nhop = 13\n"
        "[model]\nepochs = 1\n"
        f"{extra}"
    )
    (tmp / "tinyfw.toml").write_text(text, encoding="utf-8")
    return tmp


def toml_string(s: str) -> str:
    """A TOML basic string for any text."""
    out = ['"']
    for ch in s:
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def good_trace(n: int = 60, name: str = "walking/walking_38_26Hz_4g_mg.csv") -> bytes:
    """The first `n` lines of a real recording (enough for one 52-sample window by default)."""
    lines = (ST_HAR / name).read_bytes().splitlines(keepends=True)
    return b"".join(lines[:n])


def dataset(tmp: Path, classes: tuple[str, ...] = ("stationary", "walking", "running"),
            files_per_class: int = 1) -> Path:
    """A small valid dataset: `files_per_class` real 60-sample traces per class."""
    src = {"stationary": "stationary/stationary_01_26Hz_4g_mg.csv",
           "walking": "walking/walking_38_26Hz_4g_mg.csv",
           "running": "running/running_01_26Hz_4g_mg.csv"}
    for c in classes:
        (tmp / c).mkdir(parents=True, exist_ok=True)
        for i in range(files_per_class):
            (tmp / c / f"{i:02d}.csv").write_bytes(good_trace(60, src.get(c, src["walking"])))
    return tmp
