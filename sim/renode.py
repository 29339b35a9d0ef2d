"""Renode files for a board and a set of recordings: `build/renode/<board>/`.

    <board>.repl          platform: Cortex-M core, NVIC, flash, RAM, the UART and the timer
    <board>_machine.resc  creates the machine, loads firmware.elf and one trace blob (no start)
    <board>.resc          the above + UART analyzer + start: `renode <board>.resc`
    <board>.robot         one Robot Framework test per recording: `renode-test <board>.robot`
    firmware.elf          the firmware the expectations were computed for
    traces/NNN_<name>.tfwt  one preloaded-trace blob per recording (tinyfw.sim.preload)

Renode has no semihosting file I/O in its releases, so the trace reaches the firmware through
the TRACE region at the end of RAM (`sysbus LoadBinary`); the firmware's semihosting calls
(command line, exit) return errors there, so it plays the preloaded trace and, at the end,
keeps calling exit. Each test waits for the lines the host pipeline (TFLite Micro oracle)
predicts: the boot line, every `change`, the last `win` line, `stats windows=.. frames=..`
and `done 0`. Renode's terminal tester sees UART bytes as ISO-8859-1 characters, so
expected text is written byte by byte (`\\xhh` for bytes outside printable ASCII).

Peripheral models (Renode's sources): UART.CMSDK_APB_UART(frequency), UART.PL011(fifoSize,
frequency), Timers.Arm_CMSDK_Timer(frequency) (in Renode after 1.16.1; `--without-timer`
leaves it out for older Renode: the timer then reads 0 and the `stats` ticks mean nothing,
classification is unaffected), SysTick in IRQControllers.NVIC(systickFrequency).

The folder is written like `tinyfw generate`'s: all or nothing, every text file with the
banner and whole-file hash; a file edited by hand (or added) stops the run with one line naming
it, unless `--force`, which keeps the old folder as `<out>.bak` (`.bak-2`, ...).

`tinyfw renode --board mps2_an386 [--data DIR] [--split test|all] [--out DIR] [--force]`
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

# Characters Robot Framework reads specially: escaped with a backslash (`\\$` reads `$`).
_ROBOT_SPECIAL = frozenset("\\$@&%#")


# -- escaping ------------------------------------------------------------------------------------


def robot_uart(text: str) -> str:
    """A Robot Framework cell matching exactly the UART bytes of `text` in Renode.

    The firmware sends UTF-8 bytes and Renode's terminal tester turns each byte into one
    character, so every byte outside printable ASCII is written `\\xhh`; `\\ $ @ & % #` are
    escaped, and the first `=` when no space precedes it (else `name=value` could read as a
    named argument); a space that is leading, trailing or next to another space is `${SPACE}`.
    """
    raw = text.encode("utf-8")
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


def renode_cpu_type(info: BoardInfo) -> str:
    """Renode's cpuType: cortex-m4 with an FPU is "cortex-m4f"."""
    if info.cpu == "cortex-m4" and info.hard_float:
        return "cortex-m4f"
    return info.cpu


def platform_context(info: BoardInfo, *, timer: bool = True) -> dict[str, object]:
    """What platform.repl.j2 needs; InputError for a board Renode cannot model from here."""
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
    uart_params: list[tuple[str, str]] = [("frequency", str(info.uart.clock_hz))]
    if info.uart.kind == "pl011":
        uart_params.insert(0, ("fifoSize", "16"))
    peripherals = [Peripheral("uart0", uart_model, info.uart.base, tuple(uart_params))]
    timer_model = TIMER_MODELS[info.timer.kind]
    timer_note = ""
    if timer_model is not None:
        if timer:
            peripherals.append(
                Peripheral(
                    "timer0", timer_model, info.timer.base,
                    (("frequency", str(info.timer.clock_hz)),),
                )
            )
        else:
            timer_note = (
                f"No timer model ({timer_model} needs a Renode newer than 1.16.1): "
                "the timer reads 0, so the ticks of the stats line mean nothing."
            )
    systick_hz = info.timer.clock_hz if info.timer.kind == "systick" else info.f_cpu_hz
    return {
        "board_id": info.id,
        "board_name": info.name,
        "cpu_type": renode_cpu_type(info),
        "systick_hz": systick_hz,
        "flash_origin": info.flash_origin,
        "flash_size": info.flash_bytes,
        "ram_origin": info.ram_origin,
        "ram_size": info.ram_bytes,
        "peripherals": peripherals,
        "timer_text": (
            " and SysTick (in the NVIC)" if timer_model is None
            else " and the timer" if timer else ""
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
HINT = "move your changes out of this folder or rerun with --force"


def _check_file(rel: str, path: Path) -> str | None:
    """None if `path` (at `rel` in the output folder) may be replaced by a new run."""
    if rel == "firmware.elf" or (rel.startswith(f"{TRACES}/") and rel.endswith(BLOB_SUFFIX)):
        return None  # copies of the build and of the recordings: made again from them
    if path.suffix in (".repl", ".resc", ".robot"):
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
    timer: bool = True,
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
    ctx = platform_context(info, timer=timer)
    ctx.update(
        trace_start=region.start,
        trace_size=region.size,
        default_trace=cases[0].blob,
        cases=[
            {**c.__dict__, "lines": [robot_uart(ln) for ln in c.lines]} for c in cases
        ],
        timeout_s=DEFAULT_TIMEOUT_S,
        failing_lines=f"^({protocol.word(protocol.Fault)}|{protocol.word(protocol.Warn)}) .*",
    )
    rendered = {
        f"{info.id}.repl": ("platform.repl.j2", "/*"),
        f"{info.id}_machine.resc": ("machine.resc.j2", "#"),
        f"{info.id}.resc": ("run.resc.j2", "#"),
        f"{info.id}.robot": ("tests.robot.j2", "#"),
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
    timer: bool = True,
    force: bool = False,
) -> RenodeFiles:
    """Build the firmware (unless build=False), select the recordings, write the files; an
    output folder that cannot be written (or holds hand edits, unless force) stops it first."""
    info = _load_board(cfg, board)
    if info.qemu_machine is None:  # real hardware: no trace region, the sensor is real
        raise InputError(
            "Renode files are for simulated boards: this one reads a real sensor",
            file=info.manifest,
            field="tinyfw.qemu_machine",
        )
    platform_context(info, timer=timer)  # a board Renode cannot model fails before the build
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
    return write_renode(cfg, info, recordings, out_dir, elf=elf, gen_dir=gen_dir, timer=timer,
                        force=force)
