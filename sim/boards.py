"""Board manifests (`boards/<id>.json`): what the simulator and the reports need to know.

A manifest is a PlatformIO board manifest (`build.*`, `upload.*`) plus a `tinyfw` section:
QEMU machine, memory origins, stack reservations, UART and timer (kind, base address, clock).
The PlatformIO builder (platform/tinyfw-arm/builder/main.py) turns the same fields into -D
defines and the linker MEMORY map, so every board constant lives in the manifest only.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from tinyfw.errors import InputError

_BOARD_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_MISSING = object()


def default_boards_dir() -> Path:
    """`boards/` of the checkout this module belongs to."""
    return Path(__file__).resolve().parent.parent / "boards"


def _boards_dir(root: Path | str | None) -> Path:
    """Accept the boards folder itself or a project root that holds `boards/`; a project
    without a `boards/` folder of its own (one made outside the checkout) uses tinyfw's."""
    if root is None:
        return default_boards_dir()
    root = Path(root)
    if (root / "boards").is_dir() and not any(root.glob("*.json")):
        return root / "boards"
    if any(root.glob("*.json")):
        return root
    return default_boards_dir()


@dataclass(frozen=True)
class UartInfo:
    kind: str  # "cmsdk" (Arm CMSDK APB UART) or "pl011"
    base: int
    clock_hz: int
    baud: int


@dataclass(frozen=True)
class TimerInfo:
    kind: str  # "cmsdk_timer" (32-bit down-counter) or "systick" (24-bit, extended in C)
    base: int
    clock_hz: int  # timer ticks per second (of the simulated board's virtual clock)
    bits: int

    @property
    def period_ns(self) -> Fraction:
        """Length of one tick in nanoseconds (exact)."""
        return Fraction(10**9, self.clock_hz)


@dataclass(frozen=True)
class BoardInfo:
    id: str
    name: str
    manifest: Path
    cpu: str  # -mcpu
    mcu: str
    f_cpu_hz: int
    float_abi: str  # "hard" or "soft"
    fpu: str | None  # -mfpu, None for soft-float
    family: str  # firmware/board/<family>/ holds the drivers
    qemu_machine: str | None  # None: not simulated
    semihosting: bool
    flash_origin: int
    flash_bytes: int
    ram_origin: int
    ram_bytes: int
    stack_bytes: int  # thread (main) stack reservation
    handler_stack_bytes: int  # exception stack reservation
    upload_protocol: str
    uart: UartInfo
    timer: TimerInfo
    real_hardware: str

    @property
    def hard_float(self) -> bool:
        return self.float_abi != "soft"


def _get(data: dict[str, Any], path: str, file: Path, default: Any = _MISSING) -> Any:
    value: Any = data
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            if default is not _MISSING:
                return default
            raise InputError("missing", file=file, field=path)
        value = value[key]
    return value


def _int(data: dict[str, Any], path: str, file: Path, default: Any = _MISSING) -> int:
    value = _get(data, path, file, default)
    try:
        if isinstance(value, str):
            return int(value.rstrip("lLuU"), 0)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    except ValueError:
        pass
    raise InputError(f"{value!r} is not an integer", file=file, field=path)


def _str(data: dict[str, Any], path: str, file: Path, default: Any = _MISSING) -> str:
    value = _get(data, path, file, default)
    if not isinstance(value, str) or not value:
        raise InputError(f"{value!r} is not a non-empty string", file=file, field=path)
    return value


def _positive(value: int, path: str, file: Path) -> int:
    if value <= 0:
        raise InputError(f"{value} must be > 0", file=file, field=path)
    return value


def board_from_manifest(path: Path) -> BoardInfo:
    """Parse and check one manifest; errors name the file and the field."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read board manifest: {exc.strerror}", file=path) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", file=path, line=exc.lineno) from None
    if not isinstance(data, dict):
        raise InputError("a board manifest is a JSON object", file=path)
    float_abi = _str(data, "build.float_abi", path, "soft")
    if float_abi not in ("soft", "softfp", "hard"):
        raise InputError(
            f"{float_abi!r}: use soft, softfp or hard", file=path, field="build.float_abi"
        )
    qemu = _get(data, "tinyfw.qemu_machine", path, None)
    if qemu is not None and (not isinstance(qemu, str) or not qemu):
        raise InputError(
            f"{qemu!r} is not a QEMU machine name", file=path, field="tinyfw.qemu_machine"
        )
    semihosting = _get(data, "tinyfw.semihosting", path, qemu is not None)
    if not isinstance(semihosting, bool):
        raise InputError(
            f"{semihosting!r}: use true or false", file=path, field="tinyfw.semihosting"
        )
    uart = UartInfo(
        kind=_str(data, "tinyfw.uart.kind", path),
        base=_int(data, "tinyfw.uart.base", path),
        clock_hz=_positive(_int(data, "tinyfw.uart.clock_hz", path), "tinyfw.uart.clock_hz", path),
        baud=_positive(_int(data, "tinyfw.uart.baud", path), "tinyfw.uart.baud", path),
    )
    timer = TimerInfo(
        kind=_str(data, "tinyfw.timer.kind", path),
        base=_int(data, "tinyfw.timer.base", path),
        clock_hz=_positive(
            _int(data, "tinyfw.timer.clock_hz", path), "tinyfw.timer.clock_hz", path
        ),
        bits=_positive(_int(data, "tinyfw.timer.bits", path), "tinyfw.timer.bits", path),
    )
    return BoardInfo(
        id=path.stem,
        name=_str(data, "name", path),
        manifest=path,
        cpu=_str(data, "build.cpu", path),
        mcu=_str(data, "build.mcu", path),
        f_cpu_hz=_positive(_int(data, "build.f_cpu", path), "build.f_cpu", path),
        float_abi=float_abi,
        fpu=_str(data, "build.fpu", path) if float_abi != "soft" else None,
        family=_str(data, "tinyfw.family", path),
        qemu_machine=qemu,
        semihosting=semihosting,
        flash_origin=_int(data, "tinyfw.flash_origin", path),
        flash_bytes=_positive(_int(data, "upload.maximum_size", path), "upload.maximum_size", path),
        ram_origin=_int(data, "tinyfw.ram_origin", path),
        ram_bytes=_positive(
            _int(data, "upload.maximum_ram_size", path), "upload.maximum_ram_size", path
        ),
        stack_bytes=_positive(_int(data, "tinyfw.stack_size", path), "tinyfw.stack_size", path),
        handler_stack_bytes=_positive(
            _int(data, "tinyfw.handler_stack_size", path), "tinyfw.handler_stack_size", path
        ),
        upload_protocol=_str(data, "upload.protocol", path, "qemu"),
        uart=uart,
        timer=timer,
        real_hardware=_str(data, "tinyfw.real_hardware", path, "(not documented)"),
    )


def list_boards(root: Path | str | None = None) -> list[BoardInfo]:
    """Every board manifest in `root` (a project root or its boards/ folder), sorted by id."""
    folder = _boards_dir(root)
    return [board_from_manifest(p) for p in sorted(folder.glob("*.json"))]


def load_board(board_id: str, root: Path | str | None = None) -> BoardInfo:
    """`boards/<board_id>.json` as a BoardInfo; an unknown id lists the known ones."""
    folder = _boards_dir(root)
    path = folder / f"{board_id}.json"
    if not _BOARD_ID.match(board_id) or not path.is_file():
        known = ", ".join(p.stem for p in sorted(folder.glob("*.json"))) or "none"
        raise InputError(
            f"unknown board {board_id!r}: no {board_id}.json here; known boards: {known}",
            file=folder,
            field="board",
        )
    return board_from_manifest(path)
