"""Board manifests (`boards/<id>.json`): the one schema every consumer reads a board through.

A manifest is a PlatformIO board manifest (`build.*`, `upload.*`) plus a `tinyfw` section:
QEMU machine, memory origins, stack and trace reservations, UART, timer and sensor (kind, base
address, clock), and for a board without a simulator the simulated board its instruction
counts are estimated on. `board_from_manifest` / `board_from_dict` check it once, with one-line
errors naming the manifest and the field; the CLI, `tinyfw cost`, the QEMU and Renode runners
and the PlatformIO builder (platform/tinyfw-arm/builder/main.py: `-D` defines, compiler flags
and the linker MEMORY map from `BoardInfo.c_defines()`, `.machine_flags()`, `.memory_ld()`)
all use the BoardInfo it returns, so a board constant lives in its manifest only.

Which kinds of UART, timer and sensor a `tinyfw.family` (the driver folder
firmware/board/<family>/) implements is the table FAMILIES below. The rule for board ids (file
names, `[board].id`, `--board`) is BOARD_ID / `check_board_id()`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from tinyfw.errors import InputError

# A board id: the manifest's file name, a PlatformIO environment name and a C string.
BOARD_ID = re.compile(r"[A-Za-z0-9_]{1,64}")
_MISSING = object()
# ARMv6-M cores (Thumb-1 only): GCC reads their inline asm in divided syntax unless told.
ARMV6M_CPUS = frozenset({"cortex-m0", "cortex-m0plus", "cortex-m1"})


@dataclass(frozen=True)
class Family:
    """What the drivers in firmware/board/<family>/ (and the core drivers in common/)
    implement: a board picks one kind of each; the builder passes it as -DTINYFW_<WHAT>_KIND_<K>
    so only that driver is compiled in."""

    uarts: frozenset[str]
    timers: frozenset[str]
    sensors: frozenset[str] = frozenset()


# tinyfw.family -> the UART, timer and sensor kinds its drivers implement (the one table).
# "systick" is the core's own timer (common/timer_systick.c): any family may list it.
FAMILIES: dict[str, Family] = {
    "mps2": Family(  # uart_cmsdk.c, timer_cmsdk.c; SysTick on the SSE-300 (mps3_an547)
        uarts=frozenset({"cmsdk"}), timers=frozenset({"cmsdk_timer", "systick"})
    ),
    "stellaris": Family(uarts=frozenset({"pl011"}), timers=frozenset({"systick"})),
    "stm32l4": Family(  # uart_usart.c, timer_tim2.c, sensor_lsm6dsl.c
        uarts=frozenset({"stm32_usart"}), timers=frozenset({"stm32_tim"}),
        sensors=frozenset({"lsm6dsl"}),
    ),
    "stm32f4": Family(  # uart_usart_f4.c, timer_tim2_f4.c, clock_stm32f4.c
        uarts=frozenset({"stm32f4_usart"}), timers=frozenset({"stm32_tim"})
    ),
    "nrf": Family(  # uart_nrf51.c, uarte_nrf52.c, timer_nrf.c, twim_nrf52.c, sensor_lsm9ds1.c
        uarts=frozenset({"nrf51_uart", "nrf52_uarte"}), timers=frozenset({"nrf_timer"}),
        sensors=frozenset({"lsm9ds1"}),
    ),
}


def check_board_id(
    board_id: object,
    *,
    file: str | Path | None = None,
    line: int | None = None,
    field: str | None = "board",
) -> str:
    """`board_id` if it is a board name (BOARD_ID), else an InputError naming file and field."""
    if not isinstance(board_id, str) or not BOARD_ID.fullmatch(board_id):
        raise InputError(
            f"board id {board_id!r} is not a board name (letters, digits and _, at most 64)",
            file=file, line=line, field=field,
        )
    return board_id


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
    kind: str  # one of FAMILIES[family].uarts: "cmsdk", "pl011", "stm32_usart", ...
    base: int
    clock_hz: int
    baud: int


@dataclass(frozen=True)
class TimerInfo:
    kind: str  # one of FAMILIES[family].timers: "cmsdk_timer", "systick" (24-bit), ...
    base: int
    clock_hz: int  # timer ticks per second (of the simulated board's virtual clock)
    bits: int
    input_hz: int = 0  # the clock before the timer's prescaler (0: clock_hz, no prescaling)

    @property
    def period_ns(self) -> Fraction:
        """Length of one tick in nanoseconds (exact)."""
        return Fraction(10**9, self.clock_hz)


@dataclass(frozen=True)
class SensorInfo:
    kind: str  # one of FAMILIES[family].sensors, e.g. "lsm6dsl"
    i2c_base: int
    i2c_address: int


@dataclass(frozen=True)
class PowerInfo:
    """Datasheet current figures of the MCU (estimates; `source` names the document), for
    energy per inference and battery life in `tinyfw cost`."""

    run_ma: float  # running from flash at build.f_cpu
    sleep_ma: float  # the low-power mode it waits in between samples, timer running
    voltage_v: float  # supply the figures are given at
    battery_mah: float  # the battery capacity assumed for the battery-life estimate
    source: str


@dataclass(frozen=True)
class BoardInfo:
    id: str
    name: str
    manifest: Path
    cpu: str  # -mcpu
    mcu: str
    f_cpu_hz: int
    float_abi: str  # "hard", "softfp" or "soft"
    fpu: str | None  # -mfpu, None for soft-float
    ldscript: str  # build.ldscript: relative to the project, else to firmware/board/
    family: str  # firmware/board/<family>/ holds the drivers (FAMILIES)
    qemu_machine: str | None  # None: not simulated
    semihosting: bool
    flash_origin: int
    flash_bytes: int
    ram_origin: int
    ram_bytes: int
    stack_bytes: int  # thread (main) stack reservation
    handler_stack_bytes: int  # exception stack reservation
    trace_region_bytes: int  # end of RAM kept for a preloaded trace (0: none)
    upload_protocol: str
    pyocd_target: str
    uart: UartInfo
    timer: TimerInfo
    sensor: SensorInfo | None  # a real sensor on an I2C bus
    estimate_on: str | None  # not simulated: the simulated board instructions are counted on
    real_hardware: str
    power: PowerInfo | None = None  # tinyfw.power (None: no figures, e.g. an FPGA board)

    @property
    def hard_float(self) -> bool:
        return self.float_abi != "soft"

    def machine_flags(self) -> list[str]:
        """-mcpu/-mthumb/-mfloat-abi(/-mfpu): the same for compiling, assembling and linking."""
        flags = [f"-mcpu={self.cpu}", "-mthumb", f"-mfloat-abi={self.float_abi}"]
        if self.cpu in ARMV6M_CPUS:  # inline asm in unified syntax, as on every other core
            flags.append("-masm-syntax-unified")
        return flags + ([f"-mfpu={self.fpu}"] if self.fpu else [])

    def c_defines(self) -> list[tuple[str, str]]:
        """The -D defines the board layer reads (firmware/board/README.md), values as C text
        (the board id is a C string literal: quote it for a shell)."""
        defines = [
            ("TINYFW_BOARD_ID", f'"{self.id}"'),
            ("TINYFW_CPU_CLOCK_HZ", f"{self.f_cpu_hz}u"),
            ("F_CPU", f"{self.f_cpu_hz}L"),
            ("TINYFW_UART_BASE", f"0x{self.uart.base:08X}u"),
            ("TINYFW_UART_CLOCK_HZ", f"{self.uart.clock_hz}u"),
            ("TINYFW_UART_BAUD", f"{self.uart.baud}u"),
            ("TINYFW_TIMER_BASE", f"0x{self.timer.base:08X}u"),
            ("TINYFW_TIMER_CLOCK_HZ", f"{self.timer.clock_hz}u"),
            ("TINYFW_TIMER_INPUT_HZ", f"{self.timer.input_hz or self.timer.clock_hz}u"),
            ("TINYFW_SEMIHOSTING", "1" if self.semihosting else "0"),
            (f"TINYFW_UART_KIND_{self.uart.kind.upper()}", "1"),
            (f"TINYFW_TIMER_KIND_{self.timer.kind.upper()}", "1"),
        ]
        if self.sensor is not None:
            defines += [
                (f"TINYFW_SENSOR_KIND_{self.sensor.kind.upper()}", "1"),
                ("TINYFW_SENSOR_I2C_BASE", f"0x{self.sensor.i2c_base:08X}u"),
                ("TINYFW_SENSOR_I2C_ADDRESS", f"0x{self.sensor.i2c_address:02X}u"),
            ]
        return defines

    def memory_ld(self, source: str) -> str:
        """The linker MEMORY map and stack sizes that firmware/board/common/cortexm.ld includes
        (`source`: the manifest as the banner names it). The preloaded trace's region is the
        last trace_region_bytes of RAM: never loaded, copied or zeroed."""
        ram = self.ram_bytes - self.trace_region_bytes
        return (
            f"/* Generated by platform/tinyfw-arm/builder/main.py from {source}. Do not edit. */\n"
            "MEMORY\n{\n"
            f"    FLASH (rx)  : ORIGIN = 0x{self.flash_origin:08X}, LENGTH = {self.flash_bytes}\n"
            f"    RAM   (rwx) : ORIGIN = 0x{self.ram_origin:08X}, LENGTH = {ram}\n"
            f"    TRACE (rw)  : ORIGIN = 0x{self.ram_origin + ram:08X}, "
            f"LENGTH = {self.trace_region_bytes}\n"
            "}\n"
            f"__stack_size = {self.stack_bytes};\n"
            f"__handler_stack_size = {self.handler_stack_bytes};\n"
        )


class _Reader:
    """Typed access to one manifest's fields; every error names the file and the field."""

    def __init__(self, data: dict[str, Any], file: Path) -> None:
        self.data, self.file = data, file

    def error(self, path: str, message: str) -> InputError:
        return InputError(message, file=self.file, field=path)

    def get(self, path: str, default: Any = _MISSING) -> Any:
        value: Any = self.data
        for key in path.split("."):
            if not isinstance(value, dict) or key not in value:
                if default is not _MISSING:
                    return default
                raise self.error(path, "missing")
            value = value[key]
        return value

    def int(self, path: str, default: Any = _MISSING, *, minimum: int | None = None) -> int:
        value = self.get(path, default)
        number = None
        if isinstance(value, str):
            try:
                number = int(value.rstrip("lLuU"), 0)
            except ValueError:
                pass
        elif isinstance(value, int) and not isinstance(value, bool):
            number = value
        if number is None:
            raise self.error(path, f"{value!r} is not an integer")
        if minimum is not None and number < minimum:
            raise self.error(path, f"{number} must be >= {minimum}")
        return number

    def number(self, path: str) -> float:
        """A number >= 0 (JSON int or float)."""
        value = self.get(path)
        if isinstance(value, bool) or not isinstance(value, int | float) or not (
                0 <= value < float("inf")):
            raise self.error(path, f"{value!r} is not a number >= 0")
        return float(value)

    def positive(self, path: str, default: Any = _MISSING) -> int:
        return self.int(path, default, minimum=1)

    def address(self, path: str) -> int:
        value = self.int(path, minimum=0)
        if value > 0xFFFF_FFFF:
            raise self.error(path, f"0x{value:X} is not a 32-bit address")
        return value

    def str(self, path: str, default: Any = _MISSING) -> str:
        value = self.get(path, default)
        if not isinstance(value, str) or not value:
            raise self.error(path, f"{value!r} is not a non-empty string")
        return value

    def optional_str(self, path: str) -> str | None:
        return None if self.get(path, None) is None else self.str(path)

    def bool(self, path: str, default: bool) -> bool:
        """true/false; PlatformIO's `board_<path>` options for a field the manifest lacks come
        as strings, so "true"/"false"/"yes"/"no"/"1"/"0" are accepted too."""
        value = self.get(path, default)
        if isinstance(value, bool):
            return value
        words = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
        if isinstance(value, str) and value.strip().lower() in words:
            return words[value.strip().lower()]
        raise self.error(path, f"{value!r}: use true or false")

    def one_of(self, path: str, allowed: list[str], default: Any = _MISSING) -> str:
        value = self.str(path, default)
        if value not in allowed:
            raise self.error(path, f"{value!r}: use {', '.join(allowed)}")
        return value


def board_from_dict(data: object, path: Path | str) -> BoardInfo:
    """Check one manifest already read (e.g. PlatformIO's, after its `board_<path>` overrides);
    `path` is the manifest file (the board id is its name). Errors name the file and field."""
    path = Path(path)
    if not isinstance(data, dict):
        raise InputError("a board manifest is a JSON object", file=path)
    board_id = check_board_id(path.stem, file=path, field=None)
    m = _Reader(data, path)

    family_name = m.one_of("tinyfw.family", sorted(FAMILIES))
    family = FAMILIES[family_name]

    def kind(what: str, implemented: frozenset[str]) -> str:
        value = m.str(f"tinyfw.{what}.kind")
        if value not in implemented:
            raise m.error(
                f"tinyfw.{what}.kind",
                f"{value!r}: the {family_name} drivers (firmware/board/{family_name}/, "
                f"tinyfw.family) implement {what} kind {', '.join(sorted(implemented))}",
            )
        return value

    float_abi = m.one_of("build.float_abi", ["soft", "softfp", "hard"], "soft")
    qemu = m.optional_str("tinyfw.qemu_machine")
    stack = m.positive("tinyfw.stack_size")
    handler_stack = m.positive("tinyfw.handler_stack_size")
    for field, value in (("tinyfw.stack_size", stack),
                         ("tinyfw.handler_stack_size", handler_stack)):
        if value % 8:
            raise m.error(field, f"{value}: use a multiple of 8 (the AAPCS stack alignment)")
    ram_bytes = m.positive("upload.maximum_ram_size")
    trace = m.int("tinyfw.trace_region.size", 0, minimum=0)
    if trace % 8 or trace >= ram_bytes:
        raise m.error(
            "tinyfw.trace_region.size",
            f"{trace} must be a multiple of 8 and smaller than upload.maximum_ram_size "
            f"({ram_bytes})",
        )
    sensor = None
    if m.get("tinyfw.sensor", None) is not None:
        sensor_kind = m.str("tinyfw.sensor.kind")
        if sensor_kind not in family.sensors:
            raise m.error(
                "tinyfw.sensor.kind",
                f"{sensor_kind!r}: the {family_name} drivers implement "
                f"{', '.join(sorted(family.sensors)) or 'no sensor'}",
            )
        address = m.int("tinyfw.sensor.i2c_address", minimum=0)
        if address > 0x7F:
            raise m.error("tinyfw.sensor.i2c_address", f"0x{address:X} is not a 7-bit address")
        sensor = SensorInfo(sensor_kind, m.address("tinyfw.sensor.i2c_base"), address)
    estimate_on = m.optional_str("tinyfw.estimate_on")
    if estimate_on is not None:
        check_board_id(estimate_on, file=path, field="tinyfw.estimate_on")
        if qemu is not None:
            raise m.error(
                "tinyfw.estimate_on", "only for a board without tinyfw.qemu_machine"
            )
    power = None
    if m.get("tinyfw.power", None) is not None:
        power = PowerInfo(
            run_ma=m.number("tinyfw.power.run_ma"),
            sleep_ma=m.number("tinyfw.power.sleep_ma"),
            voltage_v=m.number("tinyfw.power.voltage_v"),
            battery_mah=m.number("tinyfw.power.battery_mah"),
            source=m.str("tinyfw.power.source"),
        )
        if power.run_ma <= 0 or power.voltage_v <= 0 or power.battery_mah <= 0:
            raise m.error("tinyfw.power", "run_ma, voltage_v and battery_mah must be above 0")
    return BoardInfo(
        power=power,
        id=board_id,
        name=m.str("name"),
        manifest=path,
        cpu=m.str("build.cpu"),
        mcu=m.str("build.mcu"),
        f_cpu_hz=m.positive("build.f_cpu"),
        float_abi=float_abi,
        fpu=m.str("build.fpu") if float_abi != "soft" else None,
        ldscript=m.str("build.ldscript"),
        family=family_name,
        qemu_machine=qemu,
        semihosting=m.bool("tinyfw.semihosting", qemu is not None),
        flash_origin=m.address("tinyfw.flash_origin"),
        flash_bytes=m.positive("upload.maximum_size"),
        ram_origin=m.address("tinyfw.ram_origin"),
        ram_bytes=ram_bytes,
        stack_bytes=stack,
        handler_stack_bytes=handler_stack,
        trace_region_bytes=trace,
        upload_protocol=m.one_of("upload.protocol", ["qemu", "pyocd", "custom"], "qemu"),
        pyocd_target=m.str("upload.pyocd_target", "cortex_m"),
        uart=UartInfo(
            kind=kind("uart", family.uarts),
            base=m.address("tinyfw.uart.base"),
            clock_hz=m.positive("tinyfw.uart.clock_hz"),
            baud=m.positive("tinyfw.uart.baud"),
        ),
        timer=TimerInfo(
            kind=kind("timer", family.timers),
            base=m.address("tinyfw.timer.base"),
            clock_hz=m.positive("tinyfw.timer.clock_hz"),
            bits=m.positive("tinyfw.timer.bits"),
            input_hz=m.int("tinyfw.timer.input_hz", 0, minimum=0),
        ),
        sensor=sensor,
        estimate_on=estimate_on,
        real_hardware=m.str("tinyfw.real_hardware", "(not documented)"),
    )


def board_from_manifest(path: Path | str) -> BoardInfo:
    """Read, parse and check one manifest file; errors name the file and the field."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read board manifest: {exc.strerror}", file=path) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", file=path, line=exc.lineno) from None
    return board_from_dict(data, path)


def list_boards(root: Path | str | None = None) -> list[BoardInfo]:
    """Every board manifest in `root` (a project root or its boards/ folder), sorted by id."""
    folder = _boards_dir(root)
    return [board_from_manifest(p) for p in sorted(folder.glob("*.json"))]


def simulated_boards(root: Path | str | None = None) -> list[BoardInfo]:
    """The boards QEMU runs (tinyfw.qemu_machine), sorted by id: what board tests iterate."""
    return [b for b in list_boards(root) if b.qemu_machine is not None]


def load_board(board_id: str, root: Path | str | None = None) -> BoardInfo:
    """`boards/<board_id>.json` as a BoardInfo; an unknown id lists the known ones."""
    folder = _boards_dir(root)
    path = folder / f"{board_id}.json"
    if not (isinstance(board_id, str) and BOARD_ID.fullmatch(board_id)) or not path.is_file():
        known = ", ".join(p.stem for p in sorted(folder.glob("*.json"))) or "none"
        raise InputError(
            f"unknown board {board_id!r}: no {board_id}.json here; known boards: {known}",
            file=folder,
            field="board",
        )
    return board_from_manifest(path)


def estimate_board(info: BoardInfo, root: Path | str | None = None) -> BoardInfo | None:
    """Where `info`'s instructions are counted: itself when simulated, else its
    tinyfw.estimate_on board (which must be simulated and have the same core and float ABI),
    else None (not measured)."""
    if info.qemu_machine is not None:
        return info
    if info.estimate_on is None:
        return None
    proxy = load_board(info.estimate_on, root)
    same = (proxy.cpu, proxy.float_abi, proxy.fpu) == (info.cpu, info.float_abi, info.fpu)
    if proxy.qemu_machine is None or not same:
        raise InputError(
            f"{info.estimate_on!r} must be a simulated board with the same core "
            f"({info.cpu}, {info.float_abi} float)",
            file=info.manifest, field="tinyfw.estimate_on",
        )
    return proxy
