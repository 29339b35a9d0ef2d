"""Run a firmware ELF in QEMU (Cortex-M boards) and collect what it said.

    qemu-system-arm -M <machine> -display none -monitor none -serial stdio
        -semihosting-config enable=on,target=native,arg=<elf>,arg=<a1>,...
        -icount shift=<N>,sleep=off -kernel <elf>

The firmware's UART is QEMU's stdout; its exit status comes from semihosting
SYS_EXIT_EXTENDED; its command line (SYS_GET_CMDLINE) is the `arg=` values joined by spaces,
argv[0] being the ELF path. Every run has a wall-clock timeout; on expiry the whole process group
is killed.

Counting cost: with `-icount shift=N` every instruction advances the virtual clock by exactly
2^N ns, and the board timer runs on that clock, so the firmware's raw timer ticks convert to
instructions: instructions = ticks * period_ns / 2^N (mps2 boards, 25 MHz: ticks * 40 / 2^N).
A measured interval is off by less than one tick, i.e. less than period_ns / 2^N instructions;
ICOUNT_SHIFT = 8 makes that below half an instruction on every board (40 ns / 256 = 0.16 on the
25 MHz mps2-an386/an500, 0.20 on the 20 MHz mps2-an505, 0.31 on the 12.5 MHz lm3s6965evb, 0.24
on the 16 MHz microbit, 0.12 on the 32 MHz mps3-an547, 0.04 on netduinoplus2's 100 MHz), so
the rounded conversion is the exact instruction count, whatever instructions ran before the
interval (a longer command line shifts the tick phase; at N = 6 that moved counts by one).
These are instructions, not CPU cycles. ICOUNT_SHIFT is the one place the shift is chosen.
"""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from tinyfw import procs
from tinyfw.errors import InputError, ToolMissing

from . import protocol
from .boards import BoardInfo, load_board

QEMU = "qemu-system-arm"
# -icount shift: one instruction = 2^ICOUNT_SHIFT ns of virtual time (see the module text).
ICOUNT_SHIFT = 8
INSTALL_HINT = "run `make setup` or `apt-get install -y qemu-system-arm`"

# Exit statuses of the board layer's fault handler (firmware/board/board.h).
FAULT_EXIT_STATUS = protocol.FAULT_EXIT_STATUS

_LOCKUP = re.compile(r"qemu: fatal: (Lockup.*)$", re.MULTILINE)
_R15 = re.compile(r"R15=([0-9a-f]{8})")

# Configurable Fault Status Register bits (ARMv7-M / ARMv8-M mainline).
_CFSR_BITS = {
    0: "IACCVIOL",
    1: "DACCVIOL",
    3: "MUNSTKERR",
    4: "MSTKERR",
    5: "MLSPERR",
    7: "MMARVALID",
    8: "IBUSERR",
    9: "PRECISERR",
    10: "IMPRECISERR",
    11: "UNSTKERR",
    12: "STKERR",
    13: "LSPERR",
    15: "BFARVALID",
    16: "UNDEFINSTR",
    17: "INVSTATE",
    18: "INVPC",
    19: "NOCP",
    20: "STKOF",
    24: "UNALIGNED",
    25: "DIVBYZERO",
}
_HFSR_BITS = {1: "VECTTBL", 30: "FORCED", 31: "DEBUGEVT"}


@dataclass
class QemuResult:
    """What a QEMU run produced.

    exit_code: the firmware's status (semihosting SYS_EXIT_EXTENDED, mod 256); 70-75 are the
      board fault handler's; 134 is QEMU aborting (e.g. a lockup); -1 when timed out.
    uart_lines: UART output as text lines (split on "\\n", a trailing "\\r" removed; a last
      line without "\\n" is kept).
    fault: the parsed `fault ...` UART line or QEMU lockup message, else None.
    """

    exit_code: int
    uart_lines: list[str]
    raw_uart: bytes
    stderr: str
    timed_out: bool
    fault: dict[str, Any] | None
    wall_s: float
    command: list[str] = field(default_factory=list)


def _decode_bits(value: int, names: dict[int, str]) -> list[str]:
    return [name for bit, name in sorted(names.items()) if value & (1 << bit)]


def parse_fault(uart_lines: Sequence[str], stderr: str = "") -> dict[str, Any] | None:
    """The firmware's `fault <name> cfsr=...` line, or a QEMU lockup from stderr, as a dict."""
    line = protocol.first(uart_lines, protocol.Fault)
    if line is not None:
        fault: dict[str, Any] = {"source": "firmware", **asdict(line), "line": protocol.render(line)}
        fault["cfsr_bits"] = _decode_bits(line.cfsr, _CFSR_BITS)
        fault["hfsr_bits"] = _decode_bits(line.hfsr, _HFSR_BITS)
        fault["exit_status"] = FAULT_EXIT_STATUS.get(line.name, protocol.FAULT_EXIT_OTHER)
        return fault
    m = _LOCKUP.search(stderr)
    if m:
        pc = _R15.search(stderr[m.end() :])
        return {
            "source": "qemu",
            "name": "lockup",
            "line": m.group(1).strip(),
            "pc": int(pc.group(1), 16) if pc else None,
        }
    return None


def split_uart(raw: bytes) -> list[str]:
    text = raw.decode("utf-8", errors="replace")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def _resolve_board(board: str | BoardInfo) -> BoardInfo:
    return board if isinstance(board, BoardInfo) else load_board(board)


def _qemu_arg(value: str) -> str:
    """One `arg=` of -semihosting-config: QEMU's option syntax doubles commas."""
    if any(c.isspace() for c in value) or value == "":
        raise InputError(
            f"semihosting argument {value!r} is empty or contains white space: QEMU joins the "
            "arguments with spaces, so the firmware could not split them back"
        )
    return value.replace(",", ",,")


def qemu_command(
    elf: Path,
    board: str | BoardInfo,
    args: Sequence[str] = (),
    icount_shift: int = ICOUNT_SHIFT,
    argv0: str | None = None,
) -> list[str]:
    """The qemu-system-arm command line for one run (argv[0] = `argv0`, default the ELF path).

    The firmware's command line buffer is small (firmware/app/main.c CMDLINE_BYTES): callers
    that run ELFs under long paths pass a short argv0 and short relative file names."""
    info = _resolve_board(board)
    if info.qemu_machine is None:
        raise InputError(
            f"board {info.id} is not simulated (no tinyfw.qemu_machine)",
            file=info.manifest,
            field="tinyfw.qemu_machine",
        )
    if not 0 <= icount_shift <= 10:
        raise InputError(f"icount shift {icount_shift} must be in 0..10", field="icount_shift")
    argv = [argv0 or str(elf), *args]
    semi = ",".join(["enable=on", "target=native"] + ["arg=" + _qemu_arg(a) for a in argv])
    return [
        QEMU,
        "-M",
        info.qemu_machine,
        "-display",
        "none",
        "-monitor",
        "none",
        "-serial",
        "stdio",
        "-semihosting-config",
        semi,
        "-icount",
        f"shift={icount_shift},sleep=off",
        "-kernel",
        str(elf),
    ]


def run_elf(
    elf: Path | str,
    board: str | BoardInfo,
    *,
    args: Sequence[str] = (),
    argv0: str | None = None,
    cwd: Path | str | None = None,
    timeout_s: float = 20,
    icount_shift: int = ICOUNT_SHIFT,
    stdin: bytes | None = None,
    extra_qemu_args: Sequence[str] = (),
) -> QemuResult:
    """Run `elf` on `board` in QEMU; never waits longer than `timeout_s` seconds.

    args become argv[1:] of the firmware (semihosting command line, argv[0] = argv0, default
    the ELF path);
    semihosting file names are relative to `cwd` (default: this process' directory);
    stdin bytes are fed to the UART receiver; extra_qemu_args go before `-kernel` (e.g.
    ["-d", "int,guest_errors"] to see exceptions on stderr). QEMU runs in its own process
    group, which is killed on the timeout, on Ctrl-C/SIGTERM (tinyfw.procs) and at the end.
    """
    elf = Path(elf)
    timeout_s = procs.check_timeout(timeout_s)
    if shutil.which(QEMU) is None:
        raise ToolMissing(f"{QEMU} is not installed: {INSTALL_HINT}")
    if not elf.is_file():
        raise InputError("no such firmware ELF", file=elf)
    cmd = qemu_command(elf, board, args, icount_shift, argv0)
    cmd[-2:-2] = list(extra_qemu_args)
    done = procs.run(cmd, timeout_s=timeout_s, input=stdin, cwd=cwd)
    stderr = done.stderr.decode("utf-8", errors="replace")
    if done.timed_out:
        if stderr and not stderr.endswith("\n"):
            stderr += "\n"
        stderr += f"timed out after {timeout_s:g} s\n"
    lines = split_uart(done.stdout)
    return QemuResult(
        exit_code=-1 if done.returncode is None else done.returncode,
        uart_lines=lines,
        raw_uart=done.stdout,
        stderr=stderr,
        timed_out=done.timed_out,
        fault=parse_fault(lines, stderr),
        wall_s=done.wall_s,
        command=cmd,
    )


def ticks_per_instruction(board: str | BoardInfo, shift: int) -> Fraction:
    """Timer ticks one instruction takes under `-icount shift=<shift>` (exact)."""
    info = _resolve_board(board)
    return Fraction(2**shift) / info.timer.period_ns


def tick_resolution(board: str | BoardInfo, shift: int) -> Fraction:
    """Instructions one timer tick lasts under `-icount shift=<shift>`: a measured interval is
    off by less than this (the interval's ends fall anywhere within a tick)."""
    return 1 / ticks_per_instruction(board, shift)


def ticks_to_instructions(ticks: int, board: str | BoardInfo, shift: int) -> int:
    """Instructions executed in `ticks` timer ticks under `-icount shift=<shift>`, rounded.

    instructions = ticks * period_ns / 2^shift (mps2, 25 MHz: ticks * 40 / 2^shift). A measured
    interval is off by less than one tick, so while a tick lasts less than half an instruction
    (every board at ICOUNT_SHIFT) the rounded result is the exact instruction count; at a
    smaller shift it is within +-tick_resolution of it.
    """
    if ticks < 0:
        raise ValueError(f"ticks must be >= 0, got {ticks}")
    exact = Fraction(ticks) / ticks_per_instruction(board, shift)
    return int(exact + Fraction(1, 2))  # round half up


def echo_run(r: QemuResult) -> int:
    """A run's UART on stdout and QEMU's stderr on stderr; the exit status of a command line
    (1 after a timeout)."""
    sys.stdout.write(r.raw_uart.decode("utf-8", errors="replace"))
    sys.stderr.write(r.stderr)
    return 1 if r.timed_out else r.exit_code
