"""The firmware survives bad sensor data, and a crashing or hanging firmware is reported.

The real application (firmware/app) with the benchmark model, built with PlatformIO for the
mps2-an386 (Cortex-M4F) and run in QEMU on crafted traces: saturated and out-of-range samples, a
stuck sensor, traces ending mid-window and mid-frame, bursts faster than inference (the ring
buffer overwrites, counts and reports, and every window it does run is still bit-exact with the
host pipeline), and a user hook that faults or never returns (reported by `simulate` with the
fault registers, or as a timeout within a bounded time).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from tinyfw.config import load_config
from tinyfw.model.data import Recording, load_dataset
from tinyfw.model.evaluate import host_pipeline
from tinyfw.model.oracle import Oracle
from tinyfw.paths import BENCH_MODEL, ROOT
from tinyfw.project import generate_project
from tinyfw.sim import protocol
from tinyfw.sim.build import build_firmware
from tinyfw.sim.qemu import run_elf
from tinyfw.sim.simulate import compare, run_recording, simulate, write_trace

pytestmark = [pytest.mark.qemu, pytest.mark.toolchain]

BOARD = "mps2_an386"
L, H = 52, 13  # window length and hop of tinyfw.toml (the benchmark model's input)
RING = L + H  # firmware/app/main.c: TFW_RING_FRAMES
rng = np.random.default_rng(20240501)


@pytest.fixture(scope="module")
def cfg():
    c = load_config(ROOT / "tinyfw.toml")
    assert (c.window.length, c.window.hop, len(c.data.columns)) == (L, H, 3)
    return c


@pytest.fixture(scope="module")
def oracle() -> Oracle:
    return Oracle(BENCH_MODEL.read_bytes())


@pytest.fixture(scope="module")
def elf(cfg, tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("fw")
    generate_project(cfg, BENCH_MODEL, work / "generated")
    return build_firmware(ROOT, BOARD, generated=work / "generated", build_dir=work / "pio").elf


def recording(name: str, samples: np.ndarray, tmp: Path) -> Recording:
    return Recording(tmp / f"{name}.csv", 0, "stationary", np.asarray(samples, dtype=np.int16))


def frames(n: int, value: tuple[int, int, int]) -> np.ndarray:
    return np.tile(np.array(value, dtype=np.int16), (n, 1))


BAD_DATA = {
    "int16 maximum on every axis": frames(200, (32767, 32767, 32767)),
    "int16 minimum on every axis": frames(200, (-32768, -32768, -32768)),
    "saturated at the sensor range": frames(200, (4000, -4000, 4000)),
    "full-scale square wave every sample": np.where(
        (np.arange(600)[:, None] + np.arange(3)) % 2 == 0, 32767, -32768).astype(np.int16),
    "stuck at zero": frames(300, (0, 0, 0)),
    "stuck at 1 g on z": frames(300, (0, 0, 1000)),
    "stuck after real motion": np.concatenate([
        np.asarray(rng.normal(0, 800, (100, 3)), dtype=np.int16), frames(200, (-312, 45, 977))]),
    "random full-scale noise": rng.integers(-32768, 32768, (400, 3), dtype=np.int16),
    "ends in the middle of a window": np.asarray(rng.normal(0, 500, (L + 4 * H + 7, 3)),
                                                 dtype=np.int16),
    "one frame short of a window": frames(L - 1, (1, 2, 3)),
    "exactly one window": frames(L, (100, -100, 1000)),
}


@pytest.mark.parametrize("name", list(BAD_DATA))
def test_the_firmware_runs_bad_sensor_data_bit_exactly_like_the_host(
    name: str, cfg, oracle, elf: Path, tmp_path: Path
):
    rec = recording(name.replace(" ", "_"), BAD_DATA[name], tmp_path)
    res = run_recording(rec, elf, BOARD, oracle, cfg, tmp_path / "traces", timeout_s=30)
    assert res.exit_code == 0, res.first_mismatch
    assert res.first_mismatch is None
    n = len(rec.samples)
    assert res.windows == (0 if n < L else (n - L) // H + 1)
    assert res.equivalent_windows == res.windows
    assert res.overflow == 0


def run_trace(elf: Path, trace: Path, *args: str, timeout_s: float = 30):
    r = run_elf(elf, BOARD, args=[str(trace), *args], timeout_s=timeout_s)
    run = protocol.read_app(r.uart_lines)
    return r, run.wins, run.stats


def test_a_trace_ending_in_the_middle_of_a_frame_is_reported_and_the_whole_frames_are_used(
    cfg, oracle, elf: Path, tmp_path: Path
):
    samples = np.asarray(rng.normal(0, 600, (L + 2 * H, 3)), dtype=np.int16)
    trace = write_trace(samples, tmp_path / "t.bin")
    trace.write_bytes(trace.read_bytes() + b"\x01\x02\x03")  # half a frame (1.5 samples)
    r, wins, stats = run_trace(elf, trace)
    assert r.exit_code == 0 and not r.fault
    assert "warn trace ends in the middle of a frame" in r.uart_lines
    assert stats.windows == 3 and stats.frames == L + 2 * H
    eq, first = compare(host_pipeline(samples, oracle, cfg), wins)
    assert (eq, first) == (3, None)


def test_an_empty_trace_runs_no_window_and_exits_cleanly(elf: Path, tmp_path: Path):
    trace = tmp_path / "empty.bin"
    trace.write_bytes(b"")
    r, wins, stats = run_trace(elf, trace)
    assert r.exit_code == 0 and wins == [] and stats.windows == 0
    assert r.uart_lines[-1] == "done 0"


def test_a_missing_trace_file_is_a_warning_and_exit_status_3(elf: Path, tmp_path: Path):
    r, wins, _ = run_trace(elf, tmp_path / "no_such_trace.bin")
    assert r.exit_code == 3 and wins == [] and not r.timed_out and not r.fault
    assert "warn cannot open the sensor (trace file?)" in r.uart_lines


def expected_ring(n_frames: int, burst: int) -> tuple[list[int], int, int]:
    """Python twin of firmware/app/main.c's loop: (window indices run, overflow, skipped)."""
    burst = max(1, min(burst, RING))
    total = overflow = consumed = next_start = skipped = 0
    run: list[int] = []
    while total < n_frames:
        for _ in range(min(burst, n_frames - total)):
            if total >= RING and total - RING >= consumed:
                overflow += 1
            total += 1
        oldest = max(total - RING, 0)
        while next_start < oldest:
            next_start += H
            skipped += 1
        while next_start + L <= total:
            run.append(next_start // H)
            next_start += H
            consumed = max(consumed, next_start)
    return run, overflow, skipped


@pytest.mark.parametrize("burst", [1, 13, 26, 40, 65, 1000])
def test_a_burst_faster_than_inference_is_counted_and_reported_never_corrupting_a_window(
    burst: int, cfg, oracle, elf: Path, tmp_path: Path
):
    samples = np.asarray(rng.normal(0, 700, (600, 3)), dtype=np.int16)
    trace = write_trace(samples, tmp_path / "burst.bin")
    r, wins, stats = run_trace(elf, trace, f"burst={burst}")
    assert r.exit_code == 0 and not r.fault, r.uart_lines[-3:]
    run, overflow, skipped = expected_ring(len(samples), burst)
    assert [w.index for w in wins] == run
    assert (stats.overflow, stats.skipped, stats.windows) == (overflow, skipped, len(run))
    if burst > RING - (L - H):
        assert overflow > 0 and skipped > 0  # the overflow is visible, not silent
    host = {h.index: h for h in host_pipeline(samples, oracle, cfg)}
    for w in wins:  # every window the firmware did run holds exactly the right frames
        assert list(w.outputs) == [int(v) for v in np.asarray(host[w.index].outputs).reshape(-1)], (
            f"window {w.index} differs from the host after an overflow")


# -- a crashing or hanging firmware -------------------------------------------------------------

HOOKS = r"""
#include <stdint.h>
#include "user_hooks.h"

void user_on_start(void)
{
}

/* Faults (UDF: an undefined instruction) when the activity becomes class 0, never returns
 * when it becomes class 2: a user bug the simulator must report, not hang on. */
void user_on_activity(int32_t activity, const char *label)
{
    (void)label;
    if (activity == 0) {
        __asm__ volatile("udf #0");
    }
    if (activity == 2) {
        for (;;) {
            __asm__ volatile("nop");
        }
    }
}
"""


@pytest.fixture(scope="module")
def broken_build(build_with_user_code):
    return build_with_user_code("broken", {"bad_hooks.c": HOOKS}, BENCH_MODEL)


def test_a_faulting_and_a_hanging_firmware_are_reported_with_registers_and_a_timeout(
    cfg, broken_build: Path, tmp_path: Path
):
    """`simulate` on one stationary and one running recording: the first faults in the user
    hook (fault line with CFSR/PC, exit status of the fault handler), the second never returns
    (killed at the timeout). Neither hangs the run; the report says which and why."""
    recs = load_dataset(cfg.data_dir(), cfg)
    pick = [next(r for r in recs if r.class_name == "stationary"),
            next(r for r in recs if r.class_name == "running")]
    data = tmp_path / "data"
    for r in pick:
        (data / r.class_name).mkdir(parents=True, exist_ok=True)
        (data / r.class_name / r.path.name).write_bytes(r.path.read_bytes())
    (data / "walking").mkdir()
    (data / "walking" / "w.csv").write_bytes(
        next(r for r in recs if r.class_name == "walking").path.read_bytes())
    timeout = 4.0
    t0 = time.monotonic()
    report = simulate(cfg, board=BOARD, data_dir=data, gen_dir=broken_build / "generated",
                      build_dir=broken_build / "pio", build=False, timeout_s=timeout)
    took = time.monotonic() - t0
    assert took < 3 * timeout + 10, f"simulate took {took:.1f} s"
    by_class = {r.name.split("/")[0]: r for r in report.recordings}
    fault, hang = by_class["stationary"], by_class["running"]
    assert fault.exit_code in (70, 73), fault.first_mismatch  # HardFault or UsageFault
    assert "firmware fault" in fault.first_mismatch
    assert "cfsr" in fault.first_mismatch and "pc" in fault.first_mismatch
    assert "UNDEFINSTR" in fault.first_mismatch
    assert hang.exit_code == -1 and hang.first_mismatch.startswith(f"timed out after {timeout}")
    assert not report.ok
    text = report.summary()
    assert "FAIL" in text


def test_a_firmware_that_hangs_costs_one_timeout_not_one_per_recording(
    cfg, broken_build: Path, tmp_path: Path
):
    """Three running recordings hang the firmware: after the first timeout the others are
    reported as not run (exit -2, naming the one that hung); --keep-going runs them all."""
    recs = load_dataset(cfg.data_dir(), cfg)
    data = tmp_path / "data"
    for cls in ("stationary", "walking"):
        (data / cls).mkdir(parents=True)
        src = next(r for r in recs if r.class_name == cls)
        (data / cls / src.path.name).write_bytes(src.path.read_bytes())
    (data / "running").mkdir()
    running = [r for r in recs if r.class_name == "running"][:3]
    for r in running:
        (data / "running" / r.path.name).write_bytes(r.path.read_bytes())
    timeout = 3.0

    def run(keep_going: bool):
        t0 = time.monotonic()
        report = simulate(cfg, board=BOARD, data_dir=data, gen_dir=broken_build / "generated",
                          build_dir=broken_build / "pio", build=False, timeout_s=timeout,
                          jobs=1, keep_going=keep_going)
        return report, time.monotonic() - t0

    report, took = run(keep_going=False)
    by_name = {r.name: r for r in report.recordings}
    first, *rest = (by_name[f"running/{r.path.name}"] for r in running)
    assert first.exit_code == -1 and first.first_mismatch.startswith("timed out")
    assert [(r.exit_code, r.first_mismatch) for r in rest] == [
        (-2, f"not run: {first.name} timed out first (--keep-going runs every recording)")] * 2
    assert took < 2 * timeout + 10, f"{took:.1f} s"
    assert not report.ok and "FAIL" in report.summary()

    report, took = run(keep_going=True)
    hung = [r for r in report.recordings if r.name.startswith("running/")]
    assert [r.exit_code for r in hung] == [-1, -1, -1]
    assert took >= 3 * timeout
