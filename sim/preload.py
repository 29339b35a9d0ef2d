"""Preloaded traces: a recorded trace put into the firmware's RAM before reset.

Semihosting file I/O is a QEMU (and debugger) feature; Renode and a board without a debugger
cannot open host files. The firmware's trace player therefore has a second source: the TRACE
region the linker keeps at the end of RAM (`tinyfw.trace_region.size` in the board manifest,
symbols `__trace_region_start` / `__trace_region_end`), holding a blob

    offset  0  u32  magic     0x54574654 ("TFWT" in memory order)
            4  u16  version   1
            6  u16  channels
            8  u32  frames
           12  u32  crc32     zlib.crc32 of the sample bytes
           16  int16 samples, little-endian, frames interleaved [t][c]

(firmware/app/sensor.h). The player uses it when no trace file is named on the command line.
QEMU loads the blob with `-device loader,file=<blob>,addr=<start>,force-raw=on`, Renode with
`sysbus LoadBinary <blob> <start>` (tinyfw.sim.renode writes those scripts).
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from tinyfw.errors import InputError
from tinyfw.fileio import atomic_write_bytes

from .boards import BoardInfo, load_board
from .qemu import ICOUNT_SHIFT, QemuResult, run_elf

MAGIC = 0x54574654
VERSION = 1
HEADER = struct.Struct("<IHHII")  # magic, version, channels, frames, crc32
assert HEADER.size == 16


@dataclass(frozen=True)
class TraceRegion:
    """Where a firmware ELF expects its preloaded trace: [start, start + size)."""

    start: int
    size: int


def trace_blob(samples: np.ndarray) -> bytes:
    """The preloaded-trace blob of int16 samples shaped (frames, channels)."""
    s = np.asarray(samples)
    if s.ndim != 2 or s.shape[1] < 1 or s.shape[1] > 16:
        raise InputError(f"a trace is (frames, 1..16 channels) of int16, got shape {s.shape}")
    if not np.issubdtype(s.dtype, np.integer):
        raise InputError(f"trace samples must be integers, got {s.dtype}")
    if s.size and (int(s.min()) < -32768 or int(s.max()) > 32767):
        raise InputError("trace samples must fit int16 (-32768..32767)")
    payload = np.ascontiguousarray(s, dtype="<i2").tobytes()
    frames, channels = s.shape
    return HEADER.pack(MAGIC, VERSION, channels, frames, zlib.crc32(payload)) + payload


def read_blob(data: bytes) -> np.ndarray:
    """The samples of a blob (frames, channels); InputError if it is not a valid blob."""
    if len(data) < HEADER.size:
        raise InputError(f"a trace blob has a {HEADER.size}-byte header, got {len(data)} bytes")
    magic, version, channels, frames, crc = HEADER.unpack_from(data)
    if magic != MAGIC:
        raise InputError(f"not a tinyfw trace blob (magic 0x{magic:08x})")
    if version != VERSION:
        raise InputError(f"trace blob version {version}, this tinyfw reads {VERSION}")
    payload = data[HEADER.size : HEADER.size + 2 * frames * channels]
    if channels < 1 or len(payload) != 2 * frames * channels:
        raise InputError(f"trace blob holds fewer bytes than {frames} frames x {channels}")
    if zlib.crc32(payload) != crc:
        raise InputError("trace blob crc32 mismatch")
    return np.frombuffer(payload, dtype="<i2").reshape(frames, channels).astype(np.int16)


def write_blob(samples: np.ndarray, path: Path | str) -> Path:
    """Write the blob of `samples` to `path` (folders created), all or nothing."""
    path = Path(path)
    atomic_write_bytes(path, trace_blob(samples))
    return path


def _symbols(elf: Path, names: Sequence[str]) -> dict[str, int]:
    try:
        f = ELFFile(io.BytesIO(elf.read_bytes()))
    except OSError as exc:
        raise InputError(f"cannot read the firmware: {exc.strerror}", file=elf) from None
    except ELFError as exc:
        raise InputError(f"not an ELF file: {exc}", file=elf) from None
    symtab = f.get_section_by_name(".symtab")
    if not isinstance(symtab, SymbolTableSection):
        raise InputError("the ELF has no symbol table (stripped?)", file=elf)
    found: dict[str, int] = {}
    for name in names:
        syms = symtab.get_symbol_by_name(name)
        if syms:
            found[name] = int(syms[0]["st_value"])
    return found


def trace_region(elf: Path | str) -> TraceRegion:
    """The TRACE region of a built firmware, from its linker symbols."""
    elf = Path(elf)
    names = ("__trace_region_start", "__trace_region_end")
    syms = _symbols(elf, names)
    if len(syms) != 2:
        raise InputError(
            "the firmware has no __trace_region_start/__trace_region_end symbols (built before "
            "preloaded traces existed? rebuild it)",
            file=elf,
        )
    return TraceRegion(syms[names[0]], syms[names[1]] - syms[names[0]])


def check_fits(blob: bytes, region: TraceRegion, board: BoardInfo | None = None) -> None:
    """InputError naming the manifest field when `blob` does not fit `region`."""
    if len(blob) <= region.size:
        return
    what = f"a {len(blob)}-byte trace blob does not fit the {region.size}-byte trace region"
    if board is not None:
        raise InputError(
            f"{what}: raise tinyfw.trace_region.size or shorten the trace",
            file=board.manifest,
            field="tinyfw.trace_region.size",
        )
    raise InputError(what)


def _loader_value(value: str) -> str:
    """One value of a QEMU -device option: commas are doubled."""
    return value.replace(",", ",,")


def loader_args(blob: Path | str, address: int) -> list[str]:
    """QEMU arguments that put `blob` into guest memory at `address` before reset."""
    path = Path(blob).resolve()
    return [
        "-device",
        f"loader,file={_loader_value(str(path))},addr=0x{address:08x},force-raw=on",
    ]


def run_preloaded(
    elf: Path | str,
    board: str | BoardInfo,
    blob: Path | str,
    *,
    args: Sequence[str] = (),
    cwd: Path | str | None = None,
    timeout_s: float = 20,
    icount_shift: int = ICOUNT_SHIFT,
    extra_qemu_args: Sequence[str] = (),
) -> QemuResult:
    """Run `elf` in QEMU with the trace blob file `blob` preloaded into its TRACE region.

    No trace file is named on the command line, so the firmware plays the preloaded trace;
    `args` may still pass options such as `burst=N`.
    """
    elf = Path(elf)
    info = board if isinstance(board, BoardInfo) else load_board(board)
    blob = Path(blob)
    try:
        data = blob.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the trace blob: {exc.strerror}", file=blob) from None
    region = trace_region(elf)
    check_fits(data, region, info)
    return run_elf(
        elf,
        info,
        args=args,
        argv0="firmware.elf",  # short whatever the ELF path (the firmware's buffer is small)
        cwd=cwd,
        timeout_s=timeout_s,
        icount_shift=icount_shift,
        extra_qemu_args=[*loader_args(blob, region.start), *extra_qemu_args],
    )
