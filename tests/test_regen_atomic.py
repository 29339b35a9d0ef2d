"""Nothing half-written: `tinyfw generate` killed at any point leaves a complete folder.

Each test runs the real CLI in its own process with a hook that holds it at one stage of the
write (after the first file, before or after the atomic exchange, between the two renames of
the fallback and of --force), kills it there with SIGINT (Ctrl-C) or SIGKILL, and checks that
the output folder is byte-for-byte the previous one (or, once the swap is done, the complete new
one), and that nothing is left behind after the next run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import project, run_inproc
from tflite_edit import edited

from tinyfw.paths import BENCH_MODEL

# Kills a real `tinyfw generate` process at every stage of the write: many processes, ~15 s.
pytestmark = pytest.mark.slow

# The child: the real `tinyfw.cli.main` with one stage made slow. It prints `PAUSE <stage>` and
# sleeps, so that the test can kill it exactly there.
DRIVER = r"""
import os, sys, time
import tinyfw.fileio as g  # the folder machinery generate uses

stage, seconds = os.environ["TFW_PAUSE"], float(os.environ.get("TFW_PAUSE_S", "60"))
real_fsync, real_rename, real_exchange = os.fsync, os.rename, g._exchange

def pause():
    print("PAUSE", stage, flush=True)
    time.sleep(seconds)

if stage == "writing":
    count = [0]
    def fsync(fd):
        real_fsync(fd)
        count[0] += 1
        if count[0] == 2:
            pause()
    g.os.fsync = fsync
elif stage == "before-exchange":
    def exchange(a, b):
        pause()
        return real_exchange(a, b)
    g._exchange = exchange
elif stage == "after-exchange":
    def exchange(a, b):
        ok = real_exchange(a, b)
        pause()
        return ok
    g._exchange = exchange
elif stage in ("fallback-between-renames", "force-between-renames"):
    g._exchange = lambda a, b: False
    def rename(a, b):
        real_rename(a, b)
        if ".old-" in str(b) or str(b).endswith(".bak"):
            pause()
    g.os.rename = rename

from tinyfw.cli import main
sys.exit(main(sys.argv[1:]))
"""


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir()
                  if p.name.startswith(f".{out.name}.") and p.name != out.name)


@pytest.fixture
def setup(tmp_path: Path) -> dict:
    """A project with generated output from model v1, and a model v2 that changes model.c."""
    proj = project(tmp_path / "proj")
    out = tmp_path / "proj" / "firmware" / "generated"
    v2 = tmp_path / "v2.tflite"
    # v2: the benchmark model with one conv weight changed (still valid, other C bytes)
    v2.write_bytes(edited(lambda m: setattr(m.buffers[12], "data", b"\x07" + bytes(m.buffers[12].data[1:]))))
    r = run_inproc(["--project", str(proj), "generate", "--model", str(BENCH_MODEL),
                    "--out", str(out)])
    assert r.status == 0, r.err
    r = run_inproc(["--project", str(proj), "generate", "--model", str(v2),
                    "--out", str(tmp_path / "v2_expected")])
    assert r.status == 0, r.err
    return {"proj": proj, "out": out, "v2": v2, "v1_files": snapshot(out),
            "v2_files": snapshot(tmp_path / "v2_expected")}


def start(setup: dict, stage: str, *extra: str, pause_s: float = 60) -> subprocess.Popen:
    env = dict(os.environ, TFW_PAUSE=stage, TFW_PAUSE_S=str(pause_s))
    p = subprocess.Popen(
        [sys.executable, "-c", DRIVER, "--project", str(setup["proj"]), "generate",
         "--model", str(setup["v2"]), "--out", str(setup["out"]), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert p.stdout is not None
    line = p.stdout.readline()  # blocks until the child reaches the stage (or dies)
    if not line.startswith("PAUSE"):
        p.kill()
        raise AssertionError(f"child did not reach {stage}: {line!r} {p.stderr.read()}")
    return p


def kill(p: subprocess.Popen, sig: int) -> tuple[int, str]:
    p.send_signal(sig)
    try:
        _, err = p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        raise AssertionError("the killed generate did not stop within 30 s") from None
    return p.returncode, err


def regenerate(setup: dict) -> None:
    r = run_inproc(["--project", str(setup["proj"]), "generate", "--model", str(setup["v2"]),
                    "--out", str(setup["out"])])
    assert r.status == 0, r.err
    assert snapshot(setup["out"]) == setup["v2_files"]
    assert leftovers(setup["out"]) == []


def test_ctrl_c_while_writing_leaves_the_previous_output_and_no_temp_folder(setup: dict):
    status, err = kill(start(setup, "writing"), signal.SIGINT)
    assert status == 130 and err == "tinyfw: stopped (Ctrl-C)\n"
    assert snapshot(setup["out"]) == setup["v1_files"]
    assert leftovers(setup["out"]) == []


@pytest.mark.parametrize("stage", ["writing", "before-exchange"])
def test_a_kill_before_the_swap_leaves_the_previous_output_and_the_next_run_cleans_up(
    setup: dict, stage: str
):
    status, _ = kill(start(setup, stage), signal.SIGKILL)
    assert status == -signal.SIGKILL
    assert snapshot(setup["out"]) == setup["v1_files"]
    assert any(".tmp-" in n for n in leftovers(setup["out"]))  # what a kill cannot clean
    regenerate(setup)


def test_a_kill_right_after_the_swap_leaves_the_complete_new_output(setup: dict):
    kill(start(setup, "after-exchange"), signal.SIGKILL)
    assert snapshot(setup["out"]) == setup["v2_files"]
    regenerate(setup)


@pytest.mark.parametrize(("stage", "sig"), [
    ("before-exchange", signal.SIGINT), ("after-exchange", signal.SIGINT),
    ("fallback-between-renames", signal.SIGINT), ("force-between-renames", signal.SIGINT),
    ("before-exchange", signal.SIGTERM), ("force-between-renames", signal.SIGTERM)])
def test_ctrl_c_or_sigterm_during_the_swap_is_held_until_the_swap_is_complete(
    setup: dict, stage: str, sig: int
):
    extra = ("--force",) if stage.startswith("force") else ()
    if extra:  # --force only renames the old folder aside when it holds hand edits
        (setup["out"] / "model.c").write_text("/* mine */\n")
    p = start(setup, stage, *extra, pause_s=0.5)
    status, err = kill(p, sig)
    assert snapshot(setup["out"]) == setup["v2_files"]
    assert status == 128 + sig, err  # the tinyfw command's own handler, after the swap
    assert err.splitlines()[-1].startswith("tinyfw: stopped ("), err
    regenerate(setup)


def test_a_kill_between_the_two_renames_is_put_back_by_the_next_run(setup: dict):
    """Where the system cannot exchange two folders atomically, a SIGKILL between the renames
    leaves the previous output aside; the next run puts it back before anything else."""
    kill(start(setup, "fallback-between-renames"), signal.SIGKILL)
    assert not setup["out"].exists()
    aside = [n for n in leftovers(setup["out"]) if ".old-" in n]
    assert len(aside) == 1
    assert snapshot(setup["out"].parent / aside[0]) == setup["v1_files"]
    # a run that fails (bad model) still restores the previous output first
    bad = setup["out"].parent / "bad.tflite"
    bad.write_bytes(b"nope")
    r = run_inproc(["--project", str(setup["proj"]), "generate", "--model", str(bad),
                    "--out", str(setup["out"])])
    assert r.status == 2
    regenerate(setup)


def test_a_kill_during_force_keeps_the_hand_edits_in_the_backup(setup: dict):
    (setup["out"] / "model.c").write_text("/* my change */\n")
    kill(start(setup, "force-between-renames", "--force"), signal.SIGKILL)
    bak = setup["out"].with_name("generated.bak")
    assert (bak / "model.c").read_text() == "/* my change */\n"
    regenerate(setup)
    assert (bak / "model.c").read_text() == "/* my change */\n"


def test_a_kill_during_the_first_generation_leaves_no_folder_and_the_next_run_cleans_up(
    setup: dict
):
    import shutil

    shutil.rmtree(setup["out"])
    kill(start(setup, "writing"), signal.SIGKILL)
    assert not setup["out"].exists()
    regenerate(setup)


def test_a_second_generate_waits_for_the_first_and_cleans_after_it_is_killed(setup: dict):
    first = start(setup, "writing")
    second = subprocess.Popen(
        [sys.executable, "-m", "tinyfw", "--project", str(setup["proj"]), "generate",
         "--model", str(setup["v2"]), "--out", str(setup["out"])],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    assert second.poll() is None, "the second generate did not wait for the first"
    kill(first, signal.SIGKILL)  # the kernel drops the dead process's lock
    _, err = second.communicate(timeout=30)
    assert second.returncode == 0, err
    assert snapshot(setup["out"]) == setup["v2_files"]
    assert leftovers(setup["out"]) == []


def test_a_failed_generation_leaves_the_previous_output_untouched(setup: dict, tmp_path: Path):
    """An error (not a kill) after reading the model: nothing written, nothing left."""
    model = tmp_path / "float.tflite"
    model.write_bytes((Path(__file__).parent / "bad_inputs/models/tf_float32.tflite").read_bytes())
    mtimes = {p.name: p.stat().st_mtime_ns for p in setup["out"].iterdir()}
    r = run_inproc(["--project", str(setup["proj"]), "generate", "--model", str(model),
                    "--out", str(setup["out"])])
    assert r.status == 2
    assert snapshot(setup["out"]) == setup["v1_files"]
    assert {p.name: p.stat().st_mtime_ns for p in setup["out"].iterdir()} == mtimes
    assert leftovers(setup["out"]) == []


def test_the_generated_folder_is_readable_like_any_other_folder(setup: dict):
    """The temporary folder is private while written; the swapped-in one follows the umask."""
    mode = setup["out"].stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o777 & ~umask


def test_a_disk_full_in_the_middle_of_writing_leaves_the_previous_output(setup: dict):
    """RLIMIT_FSIZE makes the third file's write fail (EFBIG), as a full disk would."""
    code = (
        "import resource, sys; resource.setrlimit(resource.RLIMIT_FSIZE, (20000, 20000)); "
        "from tinyfw.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    r = subprocess.run([sys.executable, "-c", code, "--project", str(setup["proj"]), "generate",
                        "--model", str(setup["v2"]), "--out", str(setup["out"])],
                       capture_output=True, text=True, timeout=60, check=False)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith(f"tinyfw: error: {setup['out']}: cannot write")
    assert "File too large" in r.stderr and "previous output is unchanged" in r.stderr
    assert len(r.stderr.splitlines()) == 1
    assert snapshot(setup["out"]) == setup["v1_files"]
    assert leftovers(setup["out"]) == []


def test_an_output_folder_under_a_file_is_one_line(setup: dict, tmp_path: Path):
    blocker = tmp_path / "firmware"
    blocker.write_text("a file where a folder should be\n")
    out = blocker / "generated"
    r = run_inproc(["--project", str(setup["proj"]), "generate", "--model", str(setup["v2"]),
                    "--out", str(out)])
    assert r.status == 2 and r.err == (
        f"tinyfw: error: {out}: cannot create it: {blocker} is a file, not a folder\n")
