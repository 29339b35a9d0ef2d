"""`tinyfw simulate`: the firmware under QEMU on recorded traces, compared with the host.

For each recording: the CSV becomes a raw little-endian int16 trace file, the firmware reads it
through semihosting (its sensor layer), and its UART lines (`win`, `change`, `stats`) are
compared window by window with the host pipeline (same windows, same integer preprocessing,
the TFLM oracle, same post-processing). A window is *equivalent* when every output byte, the
argmax and the post-processed activity agree.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tinyfw import fileio
from tinyfw.codegen.generate import read_generated
from tinyfw.config import Config
from tinyfw.errors import InputError, RunFailed
from tinyfw.model import contract
from tinyfw.model.data import Recording, load_dataset
from tinyfw.model.evaluate import WindowResult, host_pipeline
from tinyfw.model.oracle import Oracle
from tinyfw.model.split import split_recordings
from tinyfw.sim import protocol
from tinyfw.sim.boards import load_board
from tinyfw.sim.build import build_firmware, firmware_elf
from tinyfw.sim.elfsize import elf_sizes
from tinyfw.sim.qemu import ICOUNT_SHIFT, QemuResult, run_elf, ticks_to_instructions
from tinyfw.sim.shards import Shard

# argv[0] the firmware sees: QEMU runs in the run's folder, so the command line stays short
# whatever the project path (the firmware's buffer is firmware/app/main.c CMDLINE_BYTES).
FIRMWARE_ARGV0 = "firmware.elf"


@dataclass
class RecordingResult:
    name: str
    label: int
    windows: int
    equivalent_windows: int
    correct_windows: int  # firmware activity == label
    first_mismatch: str | None
    exit_code: int
    instructions_min: int | None
    instructions_max: int | None
    instructions_mean: float | None
    stack_bytes: int | None
    overflow: int | None
    wall_s: float
    # windows per firmware activity: one count per class, in class order, then undefined (-1)
    activity_counts: list[int] = field(default_factory=list)


@dataclass
class SimReport:
    board: str
    model_sha256: str
    data_dir: str
    split: str
    recordings: list[RecordingResult] = field(default_factory=list)
    flash_bytes: int = 0
    static_ram_bytes: int = 0
    stack_bytes: int = 0
    arena_bytes: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def windows(self) -> int:
        return sum(r.windows for r in self.recordings)

    @property
    def equivalent_windows(self) -> int:
        return sum(r.equivalent_windows for r in self.recordings)

    @property
    def firmware_accuracy(self) -> float:
        w = self.windows
        return sum(r.correct_windows for r in self.recordings) / w if w else 0.0

    @property
    def instructions_per_inference(self) -> int | None:
        vals = [r.instructions_max for r in self.recordings if r.instructions_max is not None]
        return max(vals) if vals else None

    @property
    def ok(self) -> bool:
        return (
            self.windows > 0
            and self.equivalent_windows == self.windows
            and all(r.exit_code == 0 for r in self.recordings)
        )

    @property
    def ram_bytes(self) -> int:
        """Static RAM (data + bss, arena included) + the measured stack high-water mark."""
        return self.static_ram_bytes + self.stack_bytes

    def to_json(self) -> dict[str, Any]:
        d = {
            "board": self.board,
            "model_sha256": self.model_sha256,
            "data_dir": self.data_dir,
            "split": self.split,
            "recordings_count": len(self.recordings),
            "windows": self.windows,
            "equivalent_windows": self.equivalent_windows,
            "firmware_accuracy": round(self.firmware_accuracy, 6),
            "flash_bytes": self.flash_bytes,
            "ram_bytes": self.ram_bytes,
            "static_ram_bytes": self.static_ram_bytes,
            "stack_bytes": self.stack_bytes,
            "arena_bytes": self.arena_bytes,
            "instructions_per_inference": self.instructions_per_inference,
        }
        d.update(self.extra)
        d["recordings"] = [asdict(r) for r in self.recordings]
        return d

    def summary(self) -> str:
        lines = [
            (
                f"board {self.board}: {len(self.recordings)} recordings, {self.windows} windows, "
                f"{self.equivalent_windows} equivalent to the host (TFLM oracle)"
            ),
            f"firmware accuracy {self.firmware_accuracy:.4f} (post-processed activity per window)",
            (
                f"flash {self.flash_bytes} B, RAM {self.ram_bytes} B (static "
                f"{self.static_ram_bytes} incl. arena {self.arena_bytes}, stack "
                f"{self.stack_bytes}), {self.instructions_per_inference} instructions per inference"
            ),
        ]
        bad = [r for r in self.recordings if r.first_mismatch or r.exit_code != 0]
        for r in bad[:10]:
            lines.append(f"  MISMATCH {r.name}: exit {r.exit_code}; {r.first_mismatch}")
        lines.append("PASS" if self.ok else "FAIL")
        return "\n".join(lines)


def write_trace(samples: np.ndarray, path: Path) -> Path:
    """Raw little-endian int16 frames, interleaved, as the firmware's trace player reads."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(np.ascontiguousarray(samples, dtype="<i2").tobytes())
    return path


def check_firmware_model(boot: protocol.Boot | None, model_sha256: str, elf: Path) -> None:
    """Refuse a firmware whose boot line names another model than the host compares with."""
    if boot is not None and not model_sha256.startswith(boot.model):
        raise InputError(
            f"the ELF was built from another model (model={boot.model}, the generated model is "
            f"{model_sha256[: len(boot.model)]}); rebuild it with `tinyfw build`",
            file=elf,
        )


@contextmanager
def run_folder(parent: Path) -> Iterator[Path]:
    """A fresh folder under `parent` for one run's trace files, removed afterwards (also on
    errors): two runs at once never share a file."""
    parent.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix="run-", dir=parent))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def compare(host: list[WindowResult], fw: list[protocol.Win]) -> tuple[int, str | None]:
    """(equivalent windows, first mismatch description)."""
    eq = 0
    first = None
    fw_by_index = {w.index: w for w in fw}
    for h in host:
        f = fw_by_index.get(h.index)
        if f is None:
            first = first or f"window {h.index}: missing on the UART"
            continue
        outs = tuple(int(v) for v in np.asarray(h.outputs).reshape(-1))
        if f.outputs == outs and f.cls == h.argmax and f.act == h.activity:
            eq += 1
        elif first is None:
            host_line = protocol.Win(h.index, outs, int(h.argmax), int(h.activity))
            first = (
                f"window {h.index}: firmware `{protocol.render(f)}`, "
                f"host `{protocol.render(host_line)}`"
            )
    if len(fw) > len(host) and first is None:
        first = f"firmware reported {len(fw)} windows, host {len(host)}"
    return eq, first


def replay_samples(
    samples: np.ndarray,
    elf: Path,
    board: str,
    trace_dir: Path,
    timeout_s: float,
    *,
    index: int = 0,
) -> tuple[QemuResult, protocol.AppRun]:
    """Feed int16 samples (n, channels) to the application firmware in QEMU: the trace goes
    to `trace_dir/<index>.bin` (QEMU's working folder, so the command line stays short), is
    removed afterwards; returns QEMU's result and the application's parsed UART lines."""
    trace = write_trace(samples, trace_dir / f"{index}.bin")
    try:
        result: QemuResult = run_elf(
            Path(elf).resolve(), board, args=[trace.name], argv0=FIRMWARE_ARGV0, cwd=trace_dir,
            timeout_s=timeout_s, icount_shift=ICOUNT_SHIFT,
        )
    finally:
        trace.unlink(missing_ok=True)
    return result, protocol.read_app(result.uart_lines)


def run_recording(
    rec: Recording,
    elf: Path,
    board: str,
    oracle: Oracle,
    cfg: Config,
    trace_dir: Path,
    timeout_s: float,
    *,
    index: int = 0,
    model_sha256: str | None = None,
) -> RecordingResult:
    """Run one recording in QEMU and compare it with the host (`oracle`, used by this thread
    only: TFLM interpreters are not thread-safe).

    trace_dir is QEMU's working folder; the trace goes there as `<index>.bin`, so the command
    line is short and free of spaces whatever the project path and recording name (callers
    running recordings at once give each its own index). With model_sha256, a firmware whose
    boot line names another model is refused (InputError).
    """
    elf = Path(elf).resolve()
    result, run = replay_samples(rec.samples, elf, board, trace_dir, timeout_s, index=index)
    if model_sha256 is not None:
        check_firmware_model(run.boot, model_sha256, elf)
    host = host_pipeline(rec, oracle, cfg)
    eq, first = compare(host, run.wins)
    if result.timed_out:
        first = f"timed out after {timeout_s} s (last UART line: {result.uart_lines[-1:]})"
    elif result.fault:
        first = f"firmware fault: {result.fault}"
    elif result.exit_code != 0 and run.warns:
        first = f"firmware exit {result.exit_code}: {protocol.render(run.warns[0])}"
    correct = sum(1 for w in run.wins if w.act == rec.label)
    n_classes = len(cfg.data.classes)
    counts = [0] * (n_classes + 1)
    for w in run.wins:
        counts[w.act if 0 <= w.act < n_classes else n_classes] += 1
    stats = run.stats
    n = stats.windows if stats else 0
    ticks_min, ticks_max, ticks_total = (
        (stats.ticks_min, stats.ticks_max, stats.ticks_total) if stats else (None, None, None)
    )

    def instr(t: int | None) -> int | None:
        return None if t is None else ticks_to_instructions(t, board, ICOUNT_SHIFT)

    return RecordingResult(
        name=rec.name,
        label=rec.label,
        windows=len(host),
        equivalent_windows=eq,
        correct_windows=correct,
        first_mismatch=first,
        exit_code=result.exit_code if not result.timed_out else -1,
        instructions_min=instr(ticks_min),
        instructions_max=instr(ticks_max),
        instructions_mean=(instr(ticks_total) / n) if (n and ticks_total is not None) else None,
        stack_bytes=stats.stack if stats else None,
        overflow=stats.overflow if stats else None,
        wall_s=round(result.wall_s, 3),
        activity_counts=counts,
    )


def not_run(rec: Recording, why: str) -> RecordingResult:
    """A recording skipped (exit code -2) because the run was given up, and why."""
    return RecordingResult(
        name=rec.name, label=rec.label, windows=0, equivalent_windows=0, correct_windows=0,
        first_mismatch=why, exit_code=-2, instructions_min=None, instructions_max=None,
        instructions_mean=None, stack_bytes=None, overflow=None, wall_s=0.0,
    )


def select_recordings(cfg: Config, data_dir: Path, split: str) -> list[Recording]:
    recs = load_dataset(data_dir, cfg)
    if split == "test":
        return split_recordings(recs, cfg.split).test
    return recs


def simulate(
    cfg: Config,
    *,
    board: str,
    data_dir: Path,
    split: str = "all",
    json_path: Path | None = None,
    timeout_s: float = 60.0,
    build: bool = True,
    gen_dir: Path | None = None,
    build_dir: Path | None = None,
    training_report: Path | None = None,
    jobs: int | None = None,
    keep_going: bool = False,
    on_recording: Callable[[RecordingResult], None] | None = None,
    shard: Shard | None = None,
) -> SimReport:
    """Build (unless build=False), run every selected recording, compare, report.

    gen_dir / build_dir choose another generated folder and build folder than the project's
    (tests use them). jobs recordings run at once (default os.cpu_count()), each worker with
    its own TFLM interpreter; trace files live in a fresh folder under build/sim/<board>/,
    removed at the end. shard (`--shard i/N`) runs every N-th recording only (sim/shards.py);
    the report names it, the recordings before sharding and the ELF's sha256, which
    `tinyfw merge-reports` checks. The training report (default build/model/report.json)
    contributes float_accuracy and int8_accuracy when it describes the model the firmware was
    built from.
    on_recording is called (from a worker thread) with each recording's result (progress).
    """
    load_board(board)  # validates the id with a clear error
    if jobs is not None and jobs < 1:
        raise InputError(f"jobs must be at least 1, got {jobs}", field="jobs")
    custom_gen = gen_dir is not None
    gen_dir = gen_dir or cfg.root / "firmware" / "generated"
    if json_path is not None:
        fileio.check_output_file(json_path)  # before the work, not after it
    generated = read_generated(gen_dir)
    tflite = generated.tflite
    model_file = gen_dir / generated.description["tflite"]
    contract.check(contract.read(tflite, model_file=model_file), cfg, model_file=model_file)
    sha256 = generated.sha256
    Oracle(tflite)  # a model TFLM cannot load fails here, before the build
    if build:
        res = build_firmware(
            cfg.root, board, generated=gen_dir if custom_gen else None, build_dir=build_dir
        )
        elf = res.elf
    else:
        elf = firmware_elf(cfg.root, board, build_dir)
        if not elf.is_file():
            raise InputError("no firmware built for this board; run `tinyfw build`", file=elf)
    recs = select_recordings(cfg, data_dir, split)
    if not recs:
        raise InputError("no recordings to simulate", file=data_dir)
    total = len(recs)
    if shard is not None:
        recs = shard.select(recs)
        if not recs:
            raise InputError(f"shard {shard} selects no recording (there are {total})",
                             field="--shard")
    jobs = jobs if jobs is not None else os.cpu_count() or 1
    # One TFLM interpreter per worker thread: a shared one gives wrong outputs under load.
    oracles = threading.local()
    hung: list[str] = []  # a firmware that hangs on one recording likely hangs on all

    def run(index: int, rec: Recording, trace_dir: Path) -> RecordingResult:
        if hung and not keep_going:
            return not_run(rec, f"not run: {hung[0]} timed out first (--keep-going runs "
                                "every recording)")
        if not hasattr(oracles, "oracle"):
            oracles.oracle = Oracle(tflite)
        r = run_recording(rec, elf, board, oracles.oracle, cfg, trace_dir, timeout_s,
                          index=index, model_sha256=sha256)
        if r.exit_code == -1:
            hung.append(rec.name)
        if on_recording is not None:
            on_recording(r)
        return r

    with run_folder(cfg.root / "build" / "sim" / board) as trace_dir, \
            ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(run, i, r, trace_dir) for i, r in enumerate(recs)]
        try:
            results = [f.result() for f in futures]
        except BaseException:
            for f in futures:
                f.cancel()
            raise
    sizes = elf_sizes(elf)
    report = SimReport(
        board=board,
        model_sha256=sha256,
        data_dir=str(data_dir),
        split=split,
        recordings=results,
        flash_bytes=sizes.flash,
        static_ram_bytes=sizes.ram_static,
        stack_bytes=max((r.stack_bytes or 0) for r in results),
        arena_bytes=generated.arena_bytes,
    )
    report.extra.update({
        "firmware_sha256": hashlib.sha256(elf.read_bytes()).hexdigest(),
        "shard": str(shard or Shard(1, 1)),
        "recordings_total": total,
    })
    report.extra.update(_training_scores(training_report or cfg.root / "build/model/report.json",
                                         report.model_sha256))
    if json_path is not None:
        fileio.atomic_write_text(json_path, json.dumps(report.to_json(), indent=2) + "\n")
    if any(r.exit_code != 0 for r in results) and all(r.windows == 0 for r in results):
        raise RunFailed(f"every firmware run failed: {results[0].first_mismatch}")
    return report


def _training_scores(path: Path, sha256: str) -> dict[str, Any]:
    """float/int8 accuracy from the training report, if it is about this very model."""
    try:
        rep = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(rep, dict) or rep.get("tflite_sha256") != sha256:
        return {}
    keys = ("float_accuracy", "int8_accuracy", "post_accuracy", "test_windows")
    return {k: rep[k] for k in keys if k in rep}
