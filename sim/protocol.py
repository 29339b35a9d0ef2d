"""The firmware's UART protocol: every line kind, written once, both rendered and parsed here.

Each line kind is a frozen dataclass whose `FORMAT` is the line itself with `{field}`
placeholders; the field's type (a `_Field`: regex, parse, render) comes from the dataclass
annotation's metadata. `render(obj)` fills the format, `parse_line(text)` matches the regex
derived from the same format, and `render(parse_line(s)) == s` for every line that parses
(numbers are canonical: no leading zeros, no `-0`, hex in lower case).

The C side is its checked twin, `firmware/board/tfw_protocol.h`: one macro per literal piece of
each format (`c_macros()` says which; `tests/test_protocol.py` compares them).

    application (firmware/app/main.c)       tinyfw win change warn stats done
    board layer (firmware/board/common)     fault
    verification app (firmware/verify)      out trace ticks error done
    bench app (firmware/bench)              bench ops
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

# -- field types ---------------------------------------------------------------------------------

_U = r"(?:0|[1-9][0-9]*)"
_I = r"(?:0|-?[1-9][0-9]*)"


@dataclass(frozen=True)
class _Field:
    regex: str
    parse: Callable[[str], Any]
    render: Callable[[Any], str]


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(v) for v in text.split(","))


def _pairs(text: str) -> tuple[tuple[int, int], ...]:
    if not text:
        return ()
    return tuple((int(a), int(b)) for a, b in (item.split(":") for item in text.split(",")))


UINT = _Field(_U, int, str)
INT = _Field(_I, int, str)
HEX32 = _Field(r"0x[0-9a-f]{8}", lambda s: int(s, 16), lambda v: f"0x{v:08x}")
WORD = _Field(r"\S+", str, str)
HEX = _Field(r"[0-9a-f]+", str, str)
TEXT = _Field(r".+", str, str)  # the rest of the line; only as a format's last field
INT_LIST = _Field(rf"{_I}(?:,{_I})*", _ints, lambda v: ",".join(str(int(x)) for x in v))
BYTES = _Field(r"(?:[0-9a-f]{2})*", bytes.fromhex, lambda v: bytes(v).hex())
OP_TICKS = _Field(
    rf"(?:{_I}:{_U}(?:,{_I}:{_U})*)?", _pairs, lambda v: ",".join(f"{a}:{b}" for a, b in v)
)


def _f(kind: _Field) -> Any:
    return field(metadata={"proto": kind})


# -- line kinds ----------------------------------------------------------------------------------


class Line:
    """Base of every line kind. KIND names it (and its C macros); FORMAT is the line."""

    KIND: ClassVar[str]
    FORMAT: ClassVar[str]


@dataclass(frozen=True)
class Boot(Line):
    """First line of the application: `model` is the sha256 prefix of the embedded model."""

    KIND = "BOOT"
    FORMAT = "tinyfw {version} model={model} board={board}"
    version: str = _f(WORD)
    model: str = _f(HEX)
    board: str = _f(WORD)


@dataclass(frozen=True)
class Win(Line):
    """One window: the model's raw int8 outputs, their argmax and the post-processed activity
    (-1 while post-processing has not decided)."""

    KIND = "WIN"
    FORMAT = "win {index} {outputs} cls={cls} act={act}"
    index: int = _f(UINT)
    outputs: tuple[int, ...] = _f(INT_LIST)
    cls: int = _f(INT)
    act: int = _f(INT)


@dataclass(frozen=True)
class Change(Line):
    """The post-processed activity changed at window `index`."""

    KIND = "CHANGE"
    FORMAT = "change {index} {activity} {label}"
    index: int = _f(UINT)
    activity: int = _f(INT)
    label: str = _f(TEXT)


@dataclass(frozen=True)
class Warn(Line):
    KIND = "WARN"
    FORMAT = "warn {text}"
    text: str = _f(TEXT)


@dataclass(frozen=True)
class Stats(Line):
    """End of run: raw timer ticks (the host converts them, `sim/qemu.py
    ticks_to_instructions`), stack high-water mark in bytes, frames lost to ring overflow,
    windows skipped."""

    KIND = "STATS"
    FORMAT = (
        "stats windows={windows} frames={frames} ticks_min={ticks_min} ticks_max={ticks_max} "
        "ticks_total={ticks_total} stack={stack} overflow={overflow} skipped={skipped}"
    )
    windows: int = _f(UINT)
    frames: int = _f(UINT)
    ticks_min: int = _f(UINT)
    ticks_max: int = _f(UINT)
    ticks_total: int = _f(UINT)
    stack: int = _f(UINT)
    overflow: int = _f(UINT)
    skipped: int = _f(UINT)


@dataclass(frozen=True)
class Done(Line):
    """Last line: the application's exit status; the verification app's number of records."""

    KIND = "DONE"
    FORMAT = "done {status}"
    status: int = _f(INT)


@dataclass(frozen=True)
class Fault(Line):
    """The board layer's fault handler (firmware/board/common/fault.c); the firmware exits
    with `FAULT_EXIT_STATUS[name]` (75 for any other exception)."""

    KIND = "FAULT"
    FORMAT = (
        "fault {name} cfsr={cfsr} hfsr={hfsr} mmfar={mmfar} bfar={bfar} pc={pc} lr={lr} psr={psr}"
    )
    name: str = _f(WORD)
    cfsr: int = _f(HEX32)
    hfsr: int = _f(HEX32)
    mmfar: int = _f(HEX32)
    bfar: int = _f(HEX32)
    pc: int = _f(HEX32)
    lr: int = _f(HEX32)
    psr: int = _f(HEX32)


@dataclass(frozen=True)
class VerifyOut(Line):
    """Verification app: all outputs of one record, bytes in hex."""

    KIND = "OUT"
    FORMAT = "out {record} {data}"
    record: int = _f(UINT)
    data: bytes = _f(BYTES)


@dataclass(frozen=True)
class VerifyTrace(Line):
    """Verification app (trace mode): one intermediate tensor of one op."""

    KIND = "TRACE"
    FORMAT = "trace {record} {op} {tensor} {data}"
    record: int = _f(UINT)
    op: int = _f(UINT)
    tensor: int = _f(UINT)
    data: bytes = _f(BYTES)


@dataclass(frozen=True)
class VerifyTicks(Line):
    KIND = "TICKS"
    FORMAT = "ticks {record} {ticks}"
    record: int = _f(UINT)
    ticks: int = _f(UINT)


@dataclass(frozen=True)
class VerifyError(Line):
    KIND = "ERROR"
    FORMAT = "error {text}"
    text: str = _f(TEXT)


@dataclass(frozen=True)
class Bench(Line):
    """Bench app: ticks of one inference and of an empty interval, outputs, stack bytes."""

    KIND = "BENCH"
    FORMAT = "bench ticks={ticks} empty={empty} out={outputs} stack={stack}"
    ticks: int = _f(UINT)
    empty: int = _f(UINT)
    outputs: tuple[int, ...] = _f(INT_LIST)
    stack: int = _f(UINT)


@dataclass(frozen=True)
class BenchOps(Line):
    """Per-op bench: ticks of one timer stamp, then (op index, ticks) in execution order."""

    KIND = "OPS"
    FORMAT = "ops stamp={stamp} {ops}"
    stamp: int = _f(UINT)
    ops: tuple[tuple[int, int], ...] = _f(OP_TICKS)


KINDS: tuple[type[Line], ...] = (
    Boot, Win, Change, Warn, Stats, Done, Fault,
    VerifyOut, VerifyTrace, VerifyTicks, VerifyError, Bench, BenchOps,
)

# Exit statuses of the fault handler (firmware/board/board.h BOARD_EXIT_*); others: 75.
FAULT_EXIT_STATUS = {"hardfault": 70, "memmanage": 71, "busfault": 72, "usagefault": 73,
                     "securefault": 74}
FAULT_EXIT_OTHER = 75


# -- the machinery: one format -> renderer, parser, C macros ----------------------------------


def _pieces(kind: type[Line]) -> list[tuple[str, str | None]]:
    """(literal text, field name or None) in order, from the kind's FORMAT."""
    return [(lit, name) for lit, name, _, _ in string.Formatter().parse(kind.FORMAT)]


def _types(kind: type[Line]) -> dict[str, _Field]:
    return {f.name: f.metadata["proto"] for f in fields(kind)}  # type: ignore[arg-type]


def _regex(kind: type[Line]) -> re.Pattern[str]:
    types = _types(kind)
    parts = []
    for lit, name in _pieces(kind):
        parts.append(re.escape(lit))
        if name is not None:
            parts.append(f"(?P<{name}>{types[name].regex})")
    return re.compile("".join(parts))


_REGEX = {kind: _regex(kind) for kind in KINDS}
_BY_WORD = {kind.FORMAT.split(" ", 1)[0]: kind for kind in KINDS}


def render(line: Line) -> str:
    """The line as the firmware prints it (without the trailing newline)."""
    kind = type(line)
    types = _types(kind)
    out = []
    for lit, name in _pieces(kind):
        out.append(lit)
        if name is not None:
            out.append(types[name].render(getattr(line, name)))
    return "".join(out)


def parse_line(text: str) -> Line | None:
    """The line kind `text` is, or None for a line that is not a (well-formed) protocol line.
    A trailing CR/LF is ignored."""
    text = text.rstrip("\r\n")
    kind = _BY_WORD.get(text.split(" ", 1)[0])
    if kind is None:
        return None
    m = _REGEX[kind].fullmatch(text)
    if m is None:
        return None
    types = _types(kind)
    return kind(**{name: types[name].parse(value) for name, value in m.groupdict().items()})


def parse(lines: Iterable[str], *, strict: bool = False) -> list[Line]:
    """Every protocol line among `lines`, in order; other lines are skipped (strict: a
    ValueError naming the first one)."""
    out = []
    for n, text in enumerate(lines, 1):
        line = parse_line(text)
        if line is not None:
            out.append(line)
        elif strict:
            raise ValueError(f"line {n} is not a protocol line: {text!r}")
    return out


def first(lines: Iterable[str], kind: type[Line]) -> Any:
    """The first line of `kind` among `lines`, or None."""
    return next((x for x in parse(lines) if isinstance(x, kind)), None)


def warn_lines(lines: Iterable[str]) -> list[str]:
    """The `warn` lines (rendered) among `lines`."""
    return [render(x) for x in parse(lines) if isinstance(x, Warn)]


def prefix(kind: type[Line], **known: Any) -> str:
    """The start of a `kind` line whose leading fields are `known` (given in FORMAT order),
    up to the `=` of the next one: what a test waiting for a partial line looks for, e.g.
    prefix(Stats, windows=3, frames=40) == "stats windows=3 frames=40 ticks_min="."""
    types = _types(kind)
    out = []
    for lit, name in _pieces(kind):
        out.append(lit)
        if name is None or name not in known:
            break
        out.append(types[name].render(known.pop(name)))
    if known:
        raise ValueError(f"{kind.__name__}: fields {sorted(known)} do not lead its format")
    return "".join(out)


def word(kind: type[Line]) -> str:
    """The first word of every `kind` line (`win`, `stats`, ...)."""
    return kind.FORMAT.split(" ", 1)[0]


def c_macros() -> dict[str, str]:
    """The macros `firmware/board/tfw_protocol.h` must define: `TFW_LINE_<KIND>` is the text
    before the kind's first field, `TFW_LINE_<KIND>_<FIELD>` the text before FIELD where that
    is more than one space."""
    macros = {}
    for kind in KINDS:
        pieces = _pieces(kind)
        macros[f"TFW_LINE_{kind.KIND}"] = pieces[0][0]
        for lit, name in pieces[1:]:
            if name is not None and lit != " ":
                macros[f"TFW_LINE_{kind.KIND}_{name.upper()}"] = lit
    return macros


@dataclass
class AppRun:
    """What one run of the application printed, by kind."""

    boot: Boot | None = None
    wins: list[Win] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    warns: list[Warn] = field(default_factory=list)
    stats: Stats | None = None
    done: Done | None = None
    fault: Fault | None = None


def read_app(lines: Sequence[str]) -> AppRun:
    """The application's lines among `lines` (the first boot line, the last stats/done)."""
    run = AppRun()
    for line in parse(lines):
        if isinstance(line, Boot):
            run.boot = run.boot or line
        elif isinstance(line, Win):
            run.wins.append(line)
        elif isinstance(line, Change):
            run.changes.append(line)
        elif isinstance(line, Warn):
            run.warns.append(line)
        elif isinstance(line, Stats):
            run.stats = line
        elif isinstance(line, Done):
            run.done = line
        elif isinstance(line, Fault):
            run.fault = run.fault or line
    return run
