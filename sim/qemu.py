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
Resolution: one tick, i.e. period_ns / 2^N instructions (N = 6: 0.625 on the 25 MHz mps2-an386/
an500, 0.78 on the 20 MHz mps2-an505, 1.25 on the 12.5 MHz lm3s6965evb). The count is
deterministic (same ELF and input, same ticks), and the rounded conversion of an interval is
within +-1 instruction of the exact count on every board at N = 6. These are instructions, not
CPU cycles.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from tinyfw.errors import InputError, ToolMissing

from .boards import BoardInfo, load_board

QEMU = "qemu-system-arm"
INSTALL_HINT = "run `make setup` or `apt-get install -y qemu-system-arm`"

# Exit statuses of the board layer's fault handler (firmware/board/board.h).
FAULT_EXIT_STATUS = {
    "hardfault": 70,
    "memmanage": 71,
    "busfault": 72,
    "usagefault": 73,
    "securefault": 74,
}

_FAULT_LINE = re.compile(
    r"^fault (?P<name>\w+) cfsr=0x(?P<cfsr>[0-9a-f]{8}) hfsr=0x(?P<hfsr>[0-9a-f]{8}) "
    r"mmfar=0x(?P<mmfar>[0-9a-f]{8}) bfar=0x(?P<bfar>[0-9a-f]{8}) pc=0x(?P<pc>[0-9a-f]{8}) "
    r"lr=0x(?P<lr>[0-9a-f]{8}) psr=0x(?P<psr>[0-9a-f]{8})$"
)
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
    for line in uart_lines:
        m = _FAULT_LINE.match(line.strip())
        if m:
            fault: dict[str, Any] = {"source": "firmware", "name": m["name"], "line": line.strip()}
            for key in ("cfsr", "hfsr", "mmfar", "bfar", "pc", "lr", "psr"):
                fault[key] = int(m[key], 16)
            fault["cfsr_bits"] = _decode_bits(fault["cfsr"], _CFSR_BITS)
            fault["hfsr_bits"] = _decode_bits(fault["hfsr"], _HFSR_BITS)
            fault["exit_status"] = FAULT_EXIT_STATUS.get(m["name"], 75)
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
    icount_shift: int = 6,
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


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def run_elf(
    elf: Path | str,
    board: str | BoardInfo,
    *,
    args: Sequence[str] = (),
    argv0: str | None = None,
    cwd: Path | str | None = None,
    timeout_s: float = 20,
    icount_shift: int = 6,
    stdin: bytes | None = None,
    extra_qemu_args: Sequence[str] = (),
) -> QemuResult:
    """Run `elf` on `board` in QEMU; never waits longer than `timeout_s` seconds.

    args become argv[1:] of the firmware (semihosting command line, argv[0] = argv0, default
    the ELF path);
    semihosting file names are relative to `cwd` (default: this process' directory);
    stdin bytes are fed to the UART receiver; extra_qemu_args go before `-kernel` (e.g.
    ["-d", "int,guest_errors"] to see exceptions on stderr).
    """
    elf = Path(elf)
    if shutil.which(QEMU) is None:
        raise ToolMissing(f"{QEMU} is not installed: {INSTALL_HINT}")
    if not elf.is_file():
        raise InputError("no such firmware ELF", file=elf)
    cmd = qemu_command(elf, board, args, icount_shift, argv0)
    cmd[-2:-2] = list(extra_qemu_args)
    start = time.monotonic()
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=None if cwd is None else str(cwd),
        start_new_session=True,  # its own process group: a timeout kills all of it
    )
    timed_out = False
    try:
        out, err = proc.communicate(input=stdin, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill_group(proc)
        out, err = proc.communicate()
    finally:
        if proc.poll() is None:
            _kill_group(proc)
            proc.wait()
    wall = time.monotonic() - start
    stderr = err.decode("utf-8", errors="replace")
    if timed_out:
        if stderr and not stderr.endswith("\n"):
            stderr += "\n"
        stderr += f"timed out after {timeout_s:g} s\n"
    lines = split_uart(out)
    return QemuResult(
        exit_code=-1 if timed_out else proc.returncode,
        uart_lines=lines,
        raw_uart=out,
        stderr=stderr,
        timed_out=timed_out,
        fault=parse_fault(lines, stderr),
        wall_s=wall,
        command=cmd,
    )


def ticks_per_instruction(board: str | BoardInfo, shift: int) -> Fraction:
    """Timer ticks one instruction takes under `-icount shift=<shift>` (exact)."""
    info = _resolve_board(board)
    return Fraction(2**shift) / info.timer.period_ns


def ticks_to_instructions(ticks: int, board: str | BoardInfo, shift: int) -> int:
    """Instructions executed in `ticks` timer ticks under `-icount shift=<shift>`, rounded.

    instructions = ticks * period_ns / 2^shift (mps2, 25 MHz: ticks * 40 / 2^shift). A measured
    interval is off by less than one tick, i.e. less than period_ns / 2^shift instructions,
    so while that is below 1.5 (all our boards at shift 6) the result is within +-1 of the
    exact instruction count.
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


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m tinyfw.sim.qemu BOARD ELF [ARG...]`: run once, print the UART, exit with its status."""
    p = argparse.ArgumentParser(prog="python -m tinyfw.sim.qemu", description=main.__doc__)
    p.add_argument("board", help="board id (boards/<id>.json)")
    p.add_argument("elf", type=Path)
    p.add_argument("args", nargs="*", help="firmware argv[1:] (semihosting command line)")
    p.add_argument("--timeout", type=float, default=20.0, help="seconds (default 20)")
    p.add_argument("--icount-shift", type=int, default=6)
    ns = p.parse_args(argv)
    try:
        r = run_elf(
            ns.elf, ns.board, args=ns.args, timeout_s=ns.timeout, icount_shift=ns.icount_shift
        )
    except (InputError, ToolMissing) as exc:
        print(f"tinyfw: error: {exc.one_line()}", file=sys.stderr)
        return exc.exit_status
    return echo_run(r)


if __name__ == "__main__":
    sys.exit(main())
