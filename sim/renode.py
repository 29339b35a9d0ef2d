"""Renode files for a board and a set of recordings: `build/renode/<board>/`.

    <board>.repl          platform: Cortex-M core, NVIC, flash, RAM, the UART and the timer
    <board>_machine.resc  creates the machine, loads firmware.elf and one trace blob (no start)
    <board>.resc          the above + UART analyzer + start: `renode <board>.resc`
    <board>.robot         one Robot Framework test per recording: `renode-test <board>.robot`
    qemu-keywords.resource  Renode's keywords over QEMU (sim/renode_qemu.py) for plain `robot`
    firmware.elf          the firmware the expectations were computed for
    traces/NNN_<name>.tfwt  one preloaded-trace blob per recording (tinyfw.sim.preload)

Renode has no semihosting file I/O in its releases, so the trace reaches the firmware through
the TRACE region at the end of RAM (`sysbus LoadBinary`); the firmware's semihosting calls
(command line, exit) return errors there, so it plays the preloaded trace and, at the end,
keeps calling exit. Each test waits for the lines the host pipeline (TFLite Micro oracle)
predicts: the boot line, every `change`, the last `win` line, `stats windows=.. frames=..`
and `done 0`, each as an anchored regular expression (`^...$`), since Renode's
`Wait For Line On Uart` otherwise matches any line containing the text. Renode's terminal
tester sees UART bytes as ISO-8859-1 characters, so expected text is written byte by byte
(`\\xhh` for bytes outside printable ASCII).

Which Renode (RENODE_TARGETS, every file's first comment says it): `1.16.1`, the latest
release, has no model of the CMSDK timer, so its platform tags the timer block (reads 0: the
`stats` ticks read 0, classification is unaffected) and carries the core's DWT cycle counter
(Miscellaneous.DWT); `nightly` (Renode built after 2026-07-07) adds Timers.Arm_CMSDK_Timer with
its interrupt and turns NVIC FilterCcrDiv0Write off (the firmware sets CCR.DIV_0_TRP). Both
wire the UART's interrupts (CMSDK RxInterrupt/TxInterrupt, PL011 IRQ) as Renode's own MPS2
platform does, set the NVIC priorityMask of the chip, and tag the LM3S blocks the board layer
writes (SYSCTL, GPIO). Peripheral models and properties were checked in Renode's sources:
UART.CMSDK_APB_UART(frequency), UART.PL011(fifoSize, frequency), Miscellaneous.DWT(frequency),
IRQControllers.NVIC(systickFrequency, priorityMask), Timers.Arm_CMSDK_Timer(frequency).

The folder is written like `tinyfw generate`'s: all or nothing, every text file with the
banner and whole-file hash; a file edited by hand (or added) stops the run with one line naming
it, unless `--force`, which keeps the old folder as `<out>.bak` (`.bak-2`, ...).

`tinyfw renode --board mps2_an386 [--data DIR] [--split test|all] [--out DIR] [--renode 1.16.1|nightly]
[--force] [--test]`
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from tinyfw import fileio
from tinyfw.codegen import emit
from tinyfw.codegen.generate import embedded_model, read_generated
from tinyfw.config import Config
from tinyfw.errors import InputError
from tinyfw.model.data import Recording
from tinyfw.model.evaluate import WindowResult, host_pipeline
from tinyfw.model.oracle import Oracle

from . import protocol
from .boards import BoardInfo, load_board
from .build import build_firmware, firmware_elf
from .preload import check_fits, trace_blob, trace_region
from .simulate import select_recordings

TEMPLATES = Path(__file__).parent / "templates"
GENERATOR = "`tinyfw renode`"
BLOB_SUFFIX = ".tfwt"
DEFAULT_TIMEOUT_S = 60  # virtual seconds per UART wait; a recording takes about 1 s

# Renode peripheral models for the board layer's drivers (tinyfw.uart.kind / tinyfw.timer.kind).
UART_MODELS = {"cmsdk": "UART.CMSDK_APB_UART", "pl011": "UART.PL011"}
TIMER_MODELS = {"cmsdk_timer": "Timers.Arm_CMSDK_Timer", "systick": None}  # None: in the NVIC


@dataclass(frozen=True)
class RenodeTarget:
    """The Renode the files are written for: each model and property emitted was read in that
    Renode's sources (renode v1.16.1 = d66b0c2a, 2026-02-14, renode-infrastructure add012af)."""

    id: str
    needs: str  # the header line of every file: which Renode loads it
    cmsdk_timer: bool  # Timers.Arm_CMSDK_Timer (renode-infrastructure c413b27c, 2026-07-01)
    filter_ccr_div0: bool  # NVIC FilterCcrDiv0Write (renode-infrastructure 35bf7b38, 2026-07-07)


RENODE_TARGETS = {
    "1.16.1": RenodeTarget(
        "1.16.1",
        "Renode 1.16.1 (the latest release, 2026-02-14) and later",
        cmsdk_timer=False,
        filter_ccr_div0=False,
    ),
    "nightly": RenodeTarget(
        "nightly",
        "a Renode nightly built after 2026-07-07 (Timers.Arm_CMSDK_Timer, NVIC "
        "FilterCcrDiv0Write); Renode 1.16.1 does not load it",
        cmsdk_timer=True,
        filter_ccr_div0=True,
    ),
}
DEFAULT_TARGET = "1.16.1"

# Interrupt lines of the UART and timer the board layer uses, per QEMU machine (the same
# numbers as QEMU's board models and the boards' manuals: MPS2 AN385/AN386/AN500 UART0 RX 0,
# TX 1, TIMER0 8; AN505 (SSE-200) UART0 RX 32, TX 33, TIMER0 3, as in Renode's own
# tests/platforms/ARMv8M-TrustZone_mps2.repl; LM3S6965 UART0 5), keyed by the block's base.
_MPS2_IRQS = {0x40004000: (0, 1), 0x40000000: (8,)}
_SSE200_IRQS = {0x40200000: (32, 33), 0x50200000: (32, 33), 0x40000000: (3,), 0x50000000: (3,)}
IRQS: dict[str, dict[int, tuple[int, ...]]] = {
    "mps2-an385": _MPS2_IRQS,
    "mps2-an386": _MPS2_IRQS,
    "mps2-an500": _MPS2_IRQS,
    "mps2-an505": _SSE200_IRQS,
    "lm3s6965evb": {0x4000C000: (5,)},
}
# NVIC priority bits per family (CMSIS __NVIC_PRIO_BITS: 3 on the CMSDK/SSE-200 MPS2 images
# and on Stellaris LM3S): Renode's priorityMask keeps the top bits.
NVIC_PRIORITY_BITS = {"mps2": 3, "stellaris": 3}
# Chip blocks the board layer writes but no model covers, tagged so Renode reads 0 and logs
# their names (stellaris/uart_pl011.c: SYSCTL RCGC1/RCGC2, GPIOA AFSEL/DEN).
TAGS = {
    "stellaris": (
        (0x400FE000, 0x1000, "SYSCTL"),
        (0x40004000, 0x1000, "GPIOA"),
        (0x40005000, 0x1000, "GPIOB"),
        (0x40006000, 0x1000, "GPIOC"),
        (0x40007000, 0x1000, "GPIOD"),
        (0x40024000, 0x1000, "GPIOE"),
        (0x40025000, 0x1000, "GPIOF"),
        (0x40026000, 0x1000, "GPIOG"),
    ),
}
# Every peripheral type the platforms use and the properties they set, as read in Renode
# 1.16.1's sources (renode-infrastructure add012af): the constructor parameters of
# IRQControllers.NVIC (systickFrequency, priorityMask), CPU.CortexM (cpuType, nvic),
# Miscellaneous.DWT, Memory.MappedMemory, UART.CMSDK_APB_UART, UART.PL011; the nightly adds
# Timers.Arm_CMSDK_Timer(frequency). tests/test_renode_files.py holds the files to them.
RENODE_MODELS: dict[str, dict[str, frozenset[str]]] = {
    "1.16.1": {
        "IRQControllers.NVIC": frozenset({"systickFrequency", "priorityMask"}),
        "CPU.CortexM": frozenset({"cpuType", "nvic"}),
        "Miscellaneous.DWT": frozenset({"frequency"}),
        "Memory.MappedMemory": frozenset({"size"}),
        "UART.CMSDK_APB_UART": frozenset({"frequency"}),
        "UART.PL011": frozenset({"fifoSize", "frequency"}),
    },
}
RENODE_MODELS["nightly"] = {
    **RENODE_MODELS["1.16.1"], "Timers.Arm_CMSDK_Timer": frozenset({"frequency"}),
}
DWT_BASE = 0xE0001000  # Miscellaneous.DWT (CYCCNT at +4), in Renode 1.16.1

# Characters Robot Framework reads specially: escaped with a backslash (`\\$` reads `$`).
_ROBOT_SPECIAL = frozenset("\\$@&%#")


# -- escaping ------------------------------------------------------------------------------------


def robot_cell(chars: str) -> str:
    """A Robot Framework cell holding exactly `chars` (each below U+0100: one UART byte as
    Renode's terminal tester sees it). Characters outside printable ASCII are written `\\xhh`;
    `\\ $ @ & % #` are escaped, and the first `=` when no space precedes it (else
    `name=value` could read as a named argument); a space that is leading, trailing or next to
    another space is `${SPACE}`."""
    raw = chars.encode("latin-1")
    if not raw:
        return "${EMPTY}"
    out = []
    last = len(raw) - 1
    first_eq = raw.find(b"=")
    named = first_eq >= 0 and b" " not in raw[:first_eq]
    for i, b in enumerate(raw):
        if b == 0x3D and named and i == first_eq:
            out.append("\\=")
        elif b == 0x20:
            lone = 0 < i < last and raw[i - 1] != 0x20 and raw[i + 1] != 0x20
            out.append(" " if lone else "${SPACE}")
        elif chr(b) in _ROBOT_SPECIAL:
            out.append("\\" + chr(b))
        elif 0x20 < b < 0x7F:
            out.append(chr(b))
        else:
            out.append(f"\\x{b:02x}")
    return "".join(out)


def uart_chars(text: str) -> str:
    """The firmware sends UTF-8 bytes and Renode's terminal tester turns each byte into one
    character (ISO-8859-1): the characters it compares with."""
    return text.encode("utf-8").decode("latin-1")


def robot_uart(text: str) -> str:
    """A Robot Framework cell matching exactly the UART bytes of `text` in Renode."""
    return robot_cell(uart_chars(text))


_REGEX_SPECIAL = frozenset("\\^$.|?*+()[]{}")


def uart_regex(text: str, *, whole: bool = True) -> str:
    """A regular expression for `Wait For Line On Uart ... treatAsRegex=true` matching a line
    that is exactly `text` (whole) or starts with it. Renode matches with .NET's Regex.Match,
    which searches: `^`/`$` anchor it, so `change 1 0` cannot match `change 11 0`. Only
    metacharacters are escaped (`\\.`), the subset on which .NET and Python's `re` agree."""
    body = "".join("\\" + c if c in _REGEX_SPECIAL else c for c in uart_chars(text))
    return "^" + body + ("$" if whole else "")


def robot_text(text: str) -> str:
    """Free text (test names, documentation, tags) as one Robot Framework cell: white space
    runs become one space, control characters `\\xhh`, `\\ $ @ & % #` are escaped."""
    words = " ".join(text.split())
    out = []
    for ch in words:
        if ch in _ROBOT_SPECIAL:
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return "".join(out) or "${EMPTY}"


def resc_text(text: str) -> str:
    """Text for a one-line `:description:` or comment of a Renode script."""
    return emit.c_comment(text).replace('"', "'")


def safe_file_name(text: str) -> str:
    """A file name made of [A-Za-z0-9._-] only (other characters become `_`)."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "trace"
    return name[:80]


# -- banners -------------------------------------------------------------------------------------


def with_banner(model_sha256: str, body: str, comment: str) -> str:
    """emit.banner (generator, model sha256, the whole file's sha256) in the file's comment
    style: `/*` (.repl) or `#` (.resc, .robot)."""
    return emit.seal(emit.banner(model_sha256, generator=GENERATOR, comment=comment) + body)


def check_generated(text: str) -> str | None:
    """None if `text` is an unedited file of this generator (any comment style), else why not."""
    return emit.check_generated(text)


def _environment() -> jinja2.Environment:
    env = emit.environment()  # StrictUndefined, keep_trailing_newline, the C filters
    env.loader = jinja2.FileSystemLoader(str(TEMPLATES))
    env.filters.update(resc_text=resc_text, robot_uart=robot_uart, robot_text=robot_text)
    return env


# -- the platform --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Peripheral:
    name: str
    type: str
    address: int
    params: tuple[tuple[str, str], ...]
    irqs: tuple[str, ...] = ()  # connections: `TxInterrupt -> nvic@1`, `-> nvic@5`


def renode_cpu_type(info: BoardInfo) -> str:
    """Renode's cpuType: cortex-m4 with an FPU is "cortex-m4f"."""
    if info.cpu == "cortex-m4" and info.hard_float:
        return "cortex-m4f"
    return info.cpu


def renode_target(target: str) -> RenodeTarget:
    if target not in RENODE_TARGETS:
        raise InputError(
            f"unknown Renode target {target!r} (known: {', '.join(RENODE_TARGETS)})",
            field="--renode",
        )
    return RENODE_TARGETS[target]


def _irqs(info: BoardInfo, base: int, what: str, field_: str) -> tuple[int, ...]:
    lines = IRQS.get(info.qemu_machine or "", {}).get(base)
    if lines is None:
        raise InputError(
            f"no interrupt line known for the {what} at 0x{base:08X} on "
            f"{info.qemu_machine or info.id} (sim/renode.py IRQS)",
            file=info.manifest,
            field=field_,
        )
    return lines


def platform_context(info: BoardInfo, target: str = DEFAULT_TARGET) -> dict[str, object]:
    """What platform.repl.j2 and machine.resc.j2 need for `target` (RENODE_TARGETS);
    InputError for a board Renode cannot model from here."""
    tgt = renode_target(target)
    uart_model = UART_MODELS.get(info.uart.kind)
    if uart_model is None:
        raise InputError(
            f"no Renode model for UART kind {info.uart.kind!r} (known: {', '.join(UART_MODELS)})",
            file=info.manifest,
            field="tinyfw.uart.kind",
        )
    if info.timer.kind not in TIMER_MODELS:
        raise InputError(
            f"no Renode model for timer kind {info.timer.kind!r} "
            f"(known: {', '.join(TIMER_MODELS)})",
            file=info.manifest,
            field="tinyfw.timer.kind",
        )
    if info.family not in NVIC_PRIORITY_BITS:
        raise InputError(
            f"no NVIC priority bits known for family {info.family!r} (sim/renode.py)",
            file=info.manifest,
            field="tinyfw.family",
        )
    uart_irqs = _irqs(info, info.uart.base, "UART", "tinyfw.uart.base")
    uart_params: list[tuple[str, str]] = [("frequency", str(info.uart.clock_hz))]
    if info.uart.kind == "pl011":
        uart_params.insert(0, ("fifoSize", "16"))
        irqs = tuple(f"-> nvic@{n}" for n in uart_irqs)
    else:  # CMSDK: separate receive and transmit lines
        rx, tx = uart_irqs
        irqs = (f"RxInterrupt -> nvic@{rx}", f"TxInterrupt -> nvic@{tx}")
    peripherals = [Peripheral("uart0", uart_model, info.uart.base, tuple(uart_params), irqs)]
    tags = list(TAGS.get(info.family, ()))
    timer_model = TIMER_MODELS[info.timer.kind]
    timer_note = ""
    if timer_model is not None:
        if tgt.cmsdk_timer:
            (line,) = _irqs(info, info.timer.base, "timer", "tinyfw.timer.base")
            peripherals.append(
                Peripheral(
                    "timer0", timer_model, info.timer.base,
                    (("frequency", str(info.timer.clock_hz)),), (f"-> nvic@{line}",),
                )
            )
        else:
            tags.append((info.timer.base, 0x1000, "TIMER0"))
            timer_note = (
                f"No timer model ({timer_model} is in Renode nightlies after 2026-07-01, not "
                "in 1.16.1): its block is tagged and reads 0, so the ticks of the stats line "
                "read 0. Classification does not depend on them."
            )
    systick_hz = info.timer.clock_hz if info.timer.kind == "systick" else info.f_cpu_hz
    bits = NVIC_PRIORITY_BITS[info.family]
    return {
        "board_id": info.id,
        "board_name": info.name,
        "renode_needs": tgt.needs,
        "filter_ccr_div0": tgt.filter_ccr_div0,
        "cpu_type": renode_cpu_type(info),
        "systick_hz": systick_hz,
        "priority_mask": (0xFF << (8 - bits)) & 0xFF,
        "priority_bits": bits,
        "dwt_base": DWT_BASE,
        "cpu_hz": info.f_cpu_hz,
        "flash_origin": info.flash_origin,
        "flash_size": info.flash_bytes,
        "ram_origin": info.ram_origin,
        "ram_size": info.ram_bytes,
        "peripherals": peripherals,
        "tags": tags,
        "timer_text": (
            " and SysTick (in the NVIC)" if timer_model is None
            else " and the timer" if tgt.cmsdk_timer else ""
        ),
        "timer_note": timer_note,
        "uart_name": "sysbus.uart0",
        "mips": max(1, info.f_cpu_hz // 1_000_000),
    }


# -- the tests -----------------------------------------------------------------------------------


@dataclass
class RecordingCase:
    """One recording as a Robot test: the UART lines Renode must show, in order."""

    recording: str  # `<class>/<file>` (Recording.name)
    blob: str  # file name under traces/
    windows: int
    frames: int
    final_activity: int  # post-processed class of the last window, -1 if none
    lines: list[str] = field(default_factory=list)  # raw text (escaped when rendered)
    name: str = ""  # Robot test name (escaped)
    documentation: str = ""
    tag: str = ""


def boot_line(gen_dir: Path, board: str) -> str:
    """The firmware's first UART line, from the description of the generated code it was
    built from (model.json: generator version, model sha256 prefix)."""
    desc = read_generated(gen_dir).description
    return protocol.render(
        protocol.Boot(desc["generator_version"], desc["model_sha256_prefix"], board)
    )


def expected_lines(
    host: list[WindowResult], labels: Sequence[str], boot: str, frames: int
) -> list[str]:
    """The lines a run must show, in the firmware's order (firmware/app/main.c): boot, each
    change, the last window's `win` line (before its own change, if any), the stats prefix,
    done."""
    lines = [boot]
    activity = -1
    for k, w in enumerate(host):
        if k == len(host) - 1:
            outputs = tuple(int(v) for v in w.outputs.reshape(-1))
            lines.append(protocol.render(protocol.Win(int(w.index), outputs, int(w.argmax), int(w.activity))))
        if w.activity != activity and w.activity >= 0:
            change = protocol.Change(w.index, w.activity, labels[w.activity])
            lines.append(protocol.render(change))
        activity = w.activity
    lines.append(protocol.prefix(protocol.Stats, windows=len(host), frames=frames))
    lines.append(protocol.render(protocol.Done(0)))
    return lines


def _whole(line: str) -> bool:
    """Whether an expected line is a whole protocol line (else a prefix such as the stats
    line's, whose tick counts depend on the simulator)."""
    return protocol.parse_line(line) is not None


def _test_name(final_label: str | None, recording: Recording, taken: set[str]) -> str:
    label = " ".join((final_label or "").split())
    what = label[:1].upper() + label[1:] if label else "No Activity"
    base = f"Should Report {what} In {recording.path.stem}"
    name, n = base, 2
    while robot_text(name).casefold() in taken:  # Robot matches names case-insensitively
        name = f"{base} ({recording.class_name}, {n})"
        n += 1
    taken.add(robot_text(name).casefold())
    return robot_text(name)


def recording_cases(
    recordings: Sequence[Recording], oracle: Oracle, cfg: Config, boot: str
) -> list[RecordingCase]:
    labels = list(cfg.data.classes)
    cases = []
    taken: set[str] = set()
    for i, rec in enumerate(recordings):
        host = host_pipeline(rec, oracle, cfg)
        final = host[-1].activity if host else -1
        case = RecordingCase(
            recording=rec.name,
            blob=f"{i:03d}_{safe_file_name(rec.path.stem)}{BLOB_SUFFIX}",
            windows=len(host),
            frames=len(rec.samples),
            final_activity=final,
            lines=expected_lines(host, labels, boot, len(rec.samples)),
        )
        final_label = labels[final] if final >= 0 else None
        case.name = _test_name(final_label, rec, taken)
        changes = sum(1 for ln in case.lines if isinstance(protocol.parse_line(ln), protocol.Change))
        case.documentation = robot_text(
            f"{rec.name} (recorded as {rec.class_name}), {len(rec.samples)} frames, "
            f"{len(host)} windows: the host pipeline (TFLite Micro oracle) reports "
            f"{changes} activity change{'' if changes == 1 else 's'} and "
            f"{'no activity' if final_label is None else final_label} at the last window."
        )
        case.tag = robot_text(rec.class_name)
        cases.append(case)
    return cases


# -- writing -------------------------------------------------------------------------------------


@dataclass
class RenodeFiles:
    out_dir: Path
    board: str
    files: list[Path]
    cases: list[RecordingCase]
    backups: list[Path] = field(default_factory=list)  # old folders kept by force=True

    def summary(self) -> str:
        kept = "".join(f"kept the edited folder as {b}\n" for b in self.backups)
        return kept + (
            f"wrote {self.out_dir}: {self.board}.repl, {self.board}.resc, "
            f"{self.board}_machine.resc, {self.board}.robot ({len(self.cases)} tests), "
            f"firmware.elf and {len(self.cases)} trace blobs\n"
            f"run: renode {self.out_dir / (self.board + '.resc')}\n"
            f"test: renode-test {self.out_dir / (self.board + '.robot')}"
        )


def _load_board(cfg: Config, board: str) -> BoardInfo:
    """The project's boards/ folder, else this checkout's (a project outside a checkout)."""
    boards = cfg.root / "boards"
    return load_board(board, boards if boards.is_dir() else None)


TRACES = "traces"
# Renode's keywords over QEMU (tinyfw.sim.renode_qemu), for `robot` where Renode is missing;
# renode-test sets ${RENODEKEYWORDS} to its own renode-keywords.robot and never reads it.
QEMU_RESOURCE = "qemu-keywords.resource"
HINT = "move your changes out of this folder or rerun with --force"


def _check_file(rel: str, path: Path) -> str | None:
    """None if `path` (at `rel` in the output folder) may be replaced by a new run."""
    if rel == "firmware.elf" or (rel.startswith(f"{TRACES}/") and rel.endswith(BLOB_SUFFIX)):
        return None  # copies of the build and of the recordings: made again from them
    if path.suffix in (".repl", ".resc", ".robot", ".resource"):
        return check_generated(path.read_text(encoding="utf-8", errors="replace"))
    return "not generated by tinyfw"


def check_output(out_dir: Path, *, force: bool = False) -> Path:
    """Before the work: `out_dir` can be written (InputError, one line, otherwise: a folder
    that cannot be written, a project folder, a hand-edited file unless force)."""
    return fileio.check_output_folder(
        Path(out_dir), _check_file, force=force, hint=HINT, subfolders=(TRACES,)
    )


def write_renode(
    cfg: Config,
    board: str | BoardInfo,
    recordings: Sequence[Recording],
    out_dir: Path,
    *,
    elf: Path,
    gen_dir: Path,
    target: str = DEFAULT_TARGET,
    force: bool = False,
) -> RenodeFiles:
    """Write the Renode files for `recordings` on `board`, for the firmware `elf` built from
    the generated code in `gen_dir`. Same inputs, same bytes.

    `out_dir` is written as a whole, all or nothing (tinyfw.fileio.write_folder): a file in it
    that was edited by hand or added stops the run, naming it, unless force=True, which keeps
    the old folder as `<out_dir>.bak` (`.bak-2`, ...)."""
    out_dir = Path(out_dir)
    check_output(out_dir, force=force)
    info = board if isinstance(board, BoardInfo) else _load_board(cfg, board)
    if not recordings:
        raise InputError("no recordings to write Renode tests for", field="recordings")
    tflite = embedded_model(gen_dir)
    model_sha = hashlib.sha256(tflite).hexdigest()
    region = trace_region(elf)
    if region.size == 0:
        raise InputError(
            "the board keeps no RAM for a preloaded trace; set tinyfw.trace_region.size",
            file=info.manifest,
            field="tinyfw.trace_region.size",
        )
    blobs = [trace_blob(r.samples) for r in recordings]
    for blob in blobs:
        check_fits(blob, region, info)
    cases = recording_cases(recordings, Oracle(tflite), cfg, boot_line(gen_dir, info.id))

    env = _environment()
    ctx = platform_context(info, target)
    ctx.update(
        trace_start=region.start,
        trace_size=region.size,
        default_trace=cases[0].blob,
        cases=[
            {**c.__dict__, "patterns": [robot_cell(uart_regex(ln, whole=_whole(ln)))
                                        for ln in c.lines]}
            for c in cases
        ],
        qemu_resource=QEMU_RESOURCE,
        timeout_s=DEFAULT_TIMEOUT_S,
        failing_lines=f"^({protocol.word(protocol.Fault)}|{protocol.word(protocol.Warn)}) .*",
    )
    rendered = {
        f"{info.id}.repl": ("platform.repl.j2", "/*"),
        f"{info.id}_machine.resc": ("machine.resc.j2", "#"),
        f"{info.id}.resc": ("run.resc.j2", "#"),
        f"{info.id}.robot": ("tests.robot.j2", "#"),
        QEMU_RESOURCE: ("qemu.resource.j2", "#"),
    }
    files: dict[str, str | bytes] = {}
    for name, (template, comment) in rendered.items():
        body = env.get_template(template).render(**ctx)
        files[name] = with_banner(model_sha, body, comment)
    files["firmware.elf"] = Path(elf).read_bytes()
    for case, blob in zip(cases, blobs):
        files[f"{TRACES}/{case.blob}"] = blob
    backups = fileio.write_folder(out_dir, files, check=_check_file, force=force,
                                  what="tinyfw renode", hint=HINT)
    written = [out_dir / name for name in files]
    return RenodeFiles(out_dir, info.id, written, cases, backups)


def renode_files(
    cfg: Config,
    *,
    board: str,
    data_dir: Path,
    split: str = "all",
    out_dir: Path | None = None,
    build: bool = True,
    gen_dir: Path | None = None,
    build_dir: Path | None = None,
    target: str = DEFAULT_TARGET,
    force: bool = False,
) -> RenodeFiles:
    """Build the firmware (unless build=False), select the recordings, write the files; an
    output folder that cannot be written (or holds hand edits, unless force) stops it first."""
    info = _load_board(cfg, board)
    from .renode_sensor import sensor_platform, write_sensor_renode

    sensor = sensor_platform(info) if info.qemu_machine is None else None
    if sensor is not None:  # a real board Renode models with its sensor: feed the trace to it
        out_dir = Path(out_dir) if out_dir is not None else cfg.root / "build" / "renode" / board
        custom = gen_dir is not None
        gen_dir = gen_dir or cfg.root / "firmware" / "generated"
        embedded_model(gen_dir)
        elf = (build_firmware(cfg.root, board, generated=gen_dir if custom else None,
                              build_dir=build_dir).elf
               if build else firmware_elf(cfg.root, board, build_dir))
        if not elf.is_file():
            raise InputError("no firmware built for this board; run `tinyfw build`", file=elf)
        recordings = select_recordings(cfg, data_dir, split)
        return write_sensor_renode(cfg, info, recordings, out_dir, elf=elf, gen_dir=gen_dir,
                                   force=force)
    if info.qemu_machine is None:  # real hardware: no trace region, the sensor is real
        raise InputError(
            "Renode files are for simulated boards: this one reads a real sensor",
            file=info.manifest,
            field="tinyfw.qemu_machine",
        )
    platform_context(info, target)  # a board Renode cannot model fails before the build
    out_dir = Path(out_dir) if out_dir is not None else cfg.root / "build" / "renode" / board
    check_output(out_dir, force=force)  # so does an output folder that cannot be written
    custom_gen = gen_dir is not None
    gen_dir = gen_dir or cfg.root / "firmware" / "generated"
    embedded_model(gen_dir)  # a clear error before a build when nothing was generated
    if build:
        elf = build_firmware(
            cfg.root, board, generated=gen_dir if custom_gen else None, build_dir=build_dir
        ).elf
    else:
        elf = firmware_elf(cfg.root, board, build_dir)
        if not elf.is_file():
            raise InputError("no firmware built for this board; run `tinyfw build`", file=elf)
    recordings = select_recordings(cfg, data_dir, split)
    return write_renode(cfg, info, recordings, out_dir, elf=elf, gen_dir=gen_dir, target=target,
                        force=force)
