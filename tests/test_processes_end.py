"""Every process tinyfw starts ends with it: Ctrl-C, SIGTERM, SIGHUP or an outer `timeout`
stop QEMU and PlatformIO (and the compilers PlatformIO started) within about a second.

Real commands in real processes: `tinyfw simulate` on recordings long enough that QEMU is busy
for many seconds, `tinyfw build` from an empty build folder; the process table (/proc) shows
which children they started and that none is left afterwards.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tinyfw import procs
from tinyfw.errors import InputError
from tinyfw.paths import ROOT

pytestmark = [pytest.mark.qemu, pytest.mark.toolchain]

BOARD = "mps2_an386"
TINYFW = [sys.executable, "-m", "tinyfw"]


def _stat(pid: int) -> tuple[int, int, str] | None:
    """(ppid, session id, state) of a live process, None when it is gone (or a zombie)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    state, ppid, sid = fields[0], int(fields[1]), int(fields[3])
    return None if state == "Z" else (ppid, sid, state)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def family(root: int) -> set[int]:
    """Every live process descended from `root`, including those in sessions its children
    started (tinyfw starts each child in a session of its own)."""
    procs_now = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            st = _stat(int(d.name))
            if st is not None:
                procs_now[int(d.name)] = st
    found = {root}
    changed = True
    while changed:
        changed = False
        for pid, (ppid, sid, _) in procs_now.items():
            if pid not in found and (ppid in found or sid in found):
                found.add(pid)
                changed = True
    found.discard(root)
    return found


def wait_for_child(proc: subprocess.Popen, word: str, timeout_s: float = 60) -> set[int]:
    """Poll until a descendant of `proc` whose command line contains `word` runs."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        kids = family(proc.pid)
        if any(word in _cmdline(p) for p in kids):
            return kids
        assert proc.poll() is None, f"tinyfw ended early: {proc.communicate()}"
        time.sleep(0.05)
    proc.kill()
    raise AssertionError(f"no {word} child within {timeout_s} s: {proc.communicate()}")


def stop_and_check(proc: subprocess.Popen, sig: int, kids: set[int]) -> tuple[float, str]:
    """Send `sig`; the command must exit within 2 s and leave none of `kids` (or any later
    descendant) alive. Returns (seconds to exit, stderr)."""
    seen = kids | family(proc.pid)
    t0 = time.monotonic()
    proc.send_signal(sig)
    try:
        _, err = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError(f"tinyfw did not stop within 10 s of {signal.Signals(sig).name}")
    took = time.monotonic() - t0
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline and any(_stat(p) for p in seen):
        time.sleep(0.05)
    left = {p: _cmdline(p) for p in seen if _stat(p) is not None}
    assert not left, f"left running after {signal.Signals(sig).name}: {left}"
    return took, err.decode(errors="replace")


HANG = r"""
#include <stdint.h>
#include "user_hooks.h"

/* Never returns: the firmware hangs in QEMU until it is stopped (or its --timeout). */
void user_on_start(void)
{
    for (;;) {
        __asm__ volatile("nop");
    }
}
"""


@pytest.fixture(scope="module")
def hanging(build_with_user_code) -> dict[str, str]:
    """The project's firmware with a user hook that never returns, built into its own folder;
    the environment that makes `tinyfw simulate --no-build` run that build. Whatever the
    machine's speed, QEMU is still running when the signal comes."""
    work = build_with_user_code("hang", {"hang.c": HANG}, None)
    return dict(os.environ, PLATFORMIO_BUILD_DIR=str(work / "pio"))


def simulate_hanging(env: dict[str, str], *prefix: str) -> subprocess.Popen:
    return subprocess.Popen(
        [*prefix, *TINYFW, "simulate", "--no-build", "--split", "test", "-j", "2"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_stopped_simulate_ends_qemu_within_a_second(hanging: dict[str, str], sig: int):
    proc = simulate_hanging(hanging)
    kids = wait_for_child(proc, "qemu-system-arm")
    time.sleep(0.3)  # QEMU busy, the worker threads blocked waiting for it
    took, err = stop_and_check(proc, sig, kids)
    assert took < 2.0, f"took {took:.2f} s to stop"
    assert proc.returncode == 128 + sig, (proc.returncode, err)
    assert err.strip().splitlines()[-1].startswith("tinyfw: stopped"), err


def test_an_outer_timeout_ends_simulate_and_its_qemu(hanging: dict[str, str]):
    """`timeout 8 tinyfw simulate ...` (SIGTERM from coreutils' timeout while QEMU runs a
    firmware that hangs; simulate's own per-recording timeout is 60 s) leaves nothing."""
    proc = simulate_hanging(hanging, "timeout", "8")
    kids = wait_for_child(proc, "qemu-system-arm")
    seen = kids | family(proc.pid)
    assert proc.wait(timeout=20) == 124  # timeout's status when it had to stop the command
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline and any(_stat(p) for p in seen):
        time.sleep(0.05)
    assert not {p for p in seen if _stat(p) is not None}


def test_a_stopped_build_ends_platformio_and_the_compilers(tmp_path: Path):
    env = dict(os.environ, PLATFORMIO_BUILD_DIR=str(tmp_path / "pio"))
    proc = subprocess.Popen(
        [*TINYFW, "build", "--board", "lm3s6965evb"], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    kids = wait_for_child(proc, "arm-none-eabi-gcc")
    took, err = stop_and_check(proc, signal.SIGTERM, kids)
    assert took < 2.0, f"took {took:.2f} s to stop"
    assert proc.returncode == 128 + signal.SIGTERM, err


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "-inf", "soon"])
def test_a_timeout_that_is_not_a_positive_finite_number_is_refused(value: str):
    r = subprocess.run([*TINYFW, "simulate", "--no-build", f"--timeout={value}"], cwd=ROOT,
                       capture_output=True, text=True, timeout=60, check=False)
    assert r.returncode == 2
    assert "--timeout" in r.stderr and "finite number of seconds above 0" in r.stderr, r.stderr
    with pytest.raises(InputError):
        procs.check_timeout(float(value) if value != "soon" else value)


def test_a_fifo_named_csv_is_refused_not_read_forever(tmp_path: Path, hanging: dict[str, str]):
    data = tmp_path / "data"
    for c in ("stationary", "walking", "running"):
        (data / c).mkdir(parents=True)
        (data / c / "a.csv").write_text("1,2,3\n" * 60)
    os.mkfifo(data / "walking" / "b.csv")
    fifo = f"tinyfw: error: {data / 'walking' / 'b.csv'}: is a FIFO, not a recording file"
    # train reads the recordings first thing; simulate after finding the firmware
    for args in (["train", "--out", str(tmp_path / "model")],
                 ["simulate", "--no-build", "--split", "all"]):
        r = subprocess.run([*TINYFW, *args, "--data", str(data)], cwd=ROOT, env=hanging,
                           capture_output=True, text=True, timeout=60, check=False)
        assert r.returncode == 2, r.stderr
        assert r.stderr.strip() == fifo, args
    assert not list((tmp_path / "model").glob("*"))  # nothing written (the folder was checked)


def test_two_builds_at_once_into_one_folder_both_succeed(tmp_path: Path):
    """They would interleave objects and fail in ld; the build lock makes the second wait and
    then find everything up to date."""
    env = dict(os.environ, PLATFORMIO_BUILD_DIR=str(tmp_path / "pio"))
    runs = [subprocess.Popen([*TINYFW, "build", "--board", "mps2_an500"], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in runs]
    # on failure, the end of each run's whole output (PlatformIO's error is in its last lines)
    told = "\n".join(f"--- run {i}: exit {p.returncode}\n" + (o + e).decode(errors="replace")[-3000:]
                     for i, (p, (o, e)) in enumerate(zip(runs, outs)))
    assert [p.returncode for p in runs] == [0, 0], told
    elf = tmp_path / "pio" / "mps2_an500" / "firmware.elf"
    assert b"tinyfw " in subprocess.run(["arm-none-eabi-strings", str(elf)],
                                        capture_output=True, check=True).stdout


def test_generate_waits_for_a_build_that_is_reading_the_generated_folder(tmp_path: Path):
    """A build holds the generated folder's parent shared, generate swaps the folder under an
    exclusive lock on it: a generate started during a build waits until the build is done, so
    the ELF is built from one model, never from a mix (and the other way round)."""
    import threading

    from tinyfw.codegen.generate import embedded_model
    from tinyfw.config import load_config
    from tinyfw.project import generate_project
    from tinyfw.sim.build import build_lock

    cfg = load_config(ROOT / "tinyfw.toml")
    model = tmp_path / "model_int8.tflite"
    model.write_bytes(embedded_model(ROOT / "firmware" / "generated"))
    gen = tmp_path / "firmware" / "generated"
    generate_project(cfg, model, gen)
    done = threading.Event()

    def regenerate() -> None:
        generate_project(cfg, model, gen)
        done.set()

    with build_lock(tmp_path / "pio" / BOARD, gen):
        t = threading.Thread(target=regenerate)
        t.start()
        assert not done.wait(1.5), "generate swapped the folder while a build was reading it"
    assert done.wait(30)
    t.join()
