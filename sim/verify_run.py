"""Building and running the verification app (firmware/verify/) on the host and on a board.

The app reads records (sim/verify_inputs.record_bytes) and prints, through sim/protocol.py,
`out <i> <hex of all outputs>`, `ticks <i> <n>`, with tracing `trace <i> <op> <tensor> <hex>`
(every op's output tensor), and `done <n>`. On the host it is built with gcc and sanitizers
(sim/hostbuild.py); on a board with PlatformIO (sim/build.build_firmware) and run under QEMU
(sim/qemu.run_elf) on a records file read through semihosting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tinyfw.codegen.generate import ModelCode, write_generated
from tinyfw.errors import RunFailed
from tinyfw.fileio import atomic_write_bytes
from tinyfw.model.oracle import Record
from tinyfw.sim import protocol
from tinyfw.sim.boards import BoardInfo, load_board
from tinyfw.sim.build import build_firmware
from tinyfw.sim.hostbuild import build_verify_host, run_verify_host
from tinyfw.sim.qemu import ICOUNT_SHIFT, run_elf
from tinyfw.sim.simulate import FIRMWARE_ARGV0
from tinyfw.sim.verify_inputs import record_bytes


@dataclass
class AppOutput:
    """What the verification app printed."""

    outs: dict[int, bytes] = field(default_factory=dict)
    traces: dict[int, dict[tuple[int, int], bytes]] = field(default_factory=dict)
    ticks: dict[int, int] = field(default_factory=dict)
    done: int | None = None
    errors: list[str] = field(default_factory=list)


def parse_app_lines(lines: list[str]) -> AppOutput:
    """The verification app's lines (sim/protocol.py) gathered by record."""
    o = AppOutput()
    for line in protocol.parse(lines):
        if isinstance(line, protocol.VerifyOut):
            o.outs[line.record] = line.data
        elif isinstance(line, protocol.VerifyTrace):
            o.traces.setdefault(line.record, {})[(line.op, line.tensor)] = line.data
        elif isinstance(line, protocol.VerifyTicks):
            o.ticks[line.record] = line.ticks
        elif isinstance(line, protocol.Done):
            o.done = line.status
        elif isinstance(line, protocol.VerifyError):
            o.errors.append(protocol.render(line))
    return o


def generate_into(code: ModelCode, out_dir: Path) -> Path:
    write_generated(out_dir, code.files, force=True)
    return out_dir


def run_host(code: ModelCode, records: list[Record], workdir: Path, *, trace: bool = False,
             binary: Path | None = None, sanitize: bool = True) -> tuple[AppOutput, Path]:
    """Build (unless `binary` is given) and run the host verification app."""
    workdir = Path(workdir)
    if binary is None:
        gen = generate_into(code, workdir / "generated")
        binary = build_verify_host(gen, workdir / "verify_host", sanitize=sanitize)
    lines = run_verify_host(binary, record_bytes(records), trace=trace)
    return parse_app_lines(lines), binary


@dataclass
class TargetBuild:
    board: str
    elf: Path
    flash: int
    ram_static: int


def build_target(code: ModelCode, board: str, workdir: Path, project_root: Path, *,
                 cflags: str = "") -> TargetBuild:
    """Generate into workdir/generated and build the verification app for `board` in
    workdir/pio (`cflags` added to the compiler flags, e.g. -DTFW_NO_DSP). Reusing a workdir
    for several models rebuilds only the generated code."""
    workdir = Path(workdir)
    gen = generate_into(code, workdir / "generated")
    trace_h = Path(project_root) / "firmware" / "verify" / "verify_trace.h"
    flags = f"-include {trace_h}" + (f" {cflags}" if cflags else "")
    r = build_firmware(Path(project_root), board, app="verify", generated=gen,
                       build_dir=workdir / "pio", extra_flags=flags)
    return TargetBuild(board, r.elf, r.flash, r.ram_static)


def run_target(build: TargetBuild, records: list[Record], workdir: Path, *,
               trace: bool = False, timeout_s: float | None = None,
               project_root: Path | None = None) -> AppOutput:
    """Run the verification ELF in QEMU (-icount shift=ICOUNT_SHIFT) on `records` (a file read
    through semihosting). project_root: the boards/ folder to read the board from (default
    tinyfw's own)."""
    workdir = Path(workdir)
    name = "records_trace.bin" if trace else "records.bin"
    atomic_write_bytes(workdir / name, record_bytes(records))
    if timeout_s is None:
        timeout_s = 30.0 + 2.0 * len(records)
    board: str | BoardInfo = build.board
    if project_root is not None:
        board = load_board(build.board, Path(project_root) / "boards")
    res = run_elf(build.elf, board, args=[name] + (["trace"] if trace else []),
                  argv0=FIRMWARE_ARGV0, cwd=workdir, timeout_s=timeout_s,
                  icount_shift=ICOUNT_SHIFT)
    out = parse_app_lines(res.uart_lines)
    if res.timed_out or res.exit_code != 0 or out.done != len(records):
        detail = res.fault or (res.uart_lines[-3:] if res.uart_lines else res.stderr[-300:])
        raise RunFailed(f"verification firmware on {build.board} exited {res.exit_code} after "
                        f"{len(out.outs)} of {len(records)} inputs: {detail}")
    return out
