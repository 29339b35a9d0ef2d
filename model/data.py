"""Recorded traces: the strict CSV parser and the dataset loader (one folder per class).

A trace is a CSV file without a header, one sample a line, one integer raw count per column
(`x, y, z` for an accelerometer). The parser accepts what sensor loggers commonly write and
refuses everything else with one line naming the file, the line and the column:

- accepted: spaces or tabs around values, CRLF line ends, a UTF-8 byte-order mark, a `+` sign,
  integer-valued decimals such as `12.0` or `-3.` (loggers that print floats), blank lines at
  the very end of the file;
- refused: an empty file, a header row, a blank line between samples, a wrong number of values
  (ragged rows), anything that is not a decimal number, NaN and infinities, fractional values
  (`12.5`), exponents (`1e3`), values outside `data.range`, non-ASCII text, lines longer than
  `MAX_LINE_BYTES` (detected without reading the rest of the line).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from tinyfw.config import Config
from tinyfw.errors import InputError

MAX_LINE_BYTES = 4096
_READ_LIMIT = MAX_LINE_BYTES + 2 + 3  # room for a CRLF after a full line and a BOM before it
_BOM = b"\xef\xbb\xbf"
_NUMBER = re.compile(r"[+-]?(\d+)(?:\.(\d*))?")
_NOT_FINITE = re.compile(r"[+-]?(nan|inf|infinity)", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z_]")
# The rate a logger wrote into a file name (ST: `walking_01_26Hz_4g_mg.csv`).
_RATE_TOKEN = re.compile(r"(?:^|[_\-\s])(\d+(?:\.\d+)?)hz(?=$|[_\-\s.])", re.IGNORECASE)


@dataclass(frozen=True, eq=False)
class Recording:
    """One recorded trace: raw sensor counts, shape (n, channels), int16, frame-major."""

    path: Path
    label: int
    class_name: str
    samples: np.ndarray = field(repr=False)
    part: str = ""  # which recording of a file holding several (` #2`), else ""

    @property
    def name(self) -> str:
        """`<class>/<file name>[ #k]`: how reports and the split listing name the recording."""
        return f"{self.class_name}/{self.path.name}{self.part}"


def _column_label(j: int, column_names: Sequence[str] | None) -> str:
    if column_names is not None and j < len(column_names):
        return f"{column_names[j]} (column {j + 1})"
    return f"column {j + 1}"


def _looks_like_header(fields: list[str]) -> bool:
    """A first row where no field is a number and some field holds a word."""
    return not any(_NUMBER.fullmatch(s) or _NOT_FINITE.fullmatch(s) for s in fields) and any(
        _WORD.search(s) for s in fields
    )


def _parse_value(
    text: str, j: int, path: Path, line_no: int, column_names: Sequence[str] | None
) -> int:
    """One field -> int, or InputError naming file, line and column."""
    col = _column_label(j, column_names)

    def fail(msg: str) -> InputError:
        return InputError(msg, file=path, line=line_no, field=col)

    if text == "":
        raise fail("empty value")
    m = _NUMBER.fullmatch(text)
    if m is None:
        if _NOT_FINITE.fullmatch(text):
            raise fail(f"{text!r} is not a finite number")
        raise fail(f"{text!r} is not a number")
    if m.group(2) and m.group(2).strip("0"):
        raise fail(f"{text!r} is not an integer count")
    return int(text.split(".")[0])


def _open_regular(path: Path) -> BinaryIO:
    """Open a recording for reading, refusing what is not a regular file: a FIFO or a device
    named *.csv would be read forever (or block in open() itself, hence O_NONBLOCK)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror}", file=path) from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = "a FIFO" if stat.S_ISFIFO(mode) else "a device" if (
            stat.S_ISCHR(mode) or stat.S_ISBLK(mode)) else "a socket" if stat.S_ISSOCK(
            mode) else "something other than a file"
        raise InputError(f"is {kind}, not a recording file", file=path)
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def read_trace_csv(
    path: Path,
    n_columns: int,
    value_range: tuple[int, int],
    *,
    column_names: Sequence[str] | None = None,
) -> np.ndarray:
    """Parse one trace: returns int16 array of shape (n_samples, n_columns).

    `value_range` is the inclusive [min, max] of valid raw counts (the sensor's full scale,
    within int16). `column_names` only labels error messages. Raises InputError.
    """
    path = Path(path)
    lo, hi = int(value_range[0]), int(value_range[1])
    rows: list[list[int]] = []
    blank_at: int | None = None  # first blank line seen; an error if data follows it
    f = _open_regular(path)
    with f:
        line_no = 0
        while True:
            raw = f.readline(_READ_LIMIT)
            if not raw:
                break
            line_no += 1
            cut = len(raw) == _READ_LIMIT and not raw.endswith(b"\n")  # the limit was hit
            if line_no == 1 and raw.startswith(_BOM):
                raw = raw[len(_BOM) :]
            body = raw[:-1] if raw.endswith(b"\n") else raw
            body = body[:-1] if body.endswith(b"\r") else body
            if cut or len(body) > MAX_LINE_BYTES:
                raise InputError(
                    f"line is longer than {MAX_LINE_BYTES} bytes", file=path, line=line_no
                )
            try:
                text = body.decode("ascii")
            except UnicodeDecodeError as e:
                raise InputError(
                    f"not ASCII text (byte 0x{body[e.start]:02x} at column {e.start + 1})",
                    file=path,
                    line=line_no,
                ) from None
            if not text.strip():
                if blank_at is None:
                    blank_at = line_no
                continue
            if blank_at is not None:
                raise InputError("blank line between samples", file=path, line=blank_at)
            fields = [s.strip(" \t") for s in text.split(",")]
            if not rows and _looks_like_header(fields):
                raise InputError(
                    f"looks like a header row ({text.strip()!r}); traces have no header",
                    file=path,
                    line=line_no,
                )
            if len(fields) != n_columns:
                raise InputError(
                    f"expected {n_columns} comma-separated values, found {len(fields)}",
                    file=path,
                    line=line_no,
                )
            row = [_parse_value(s, j, path, line_no, column_names) for j, s in enumerate(fields)]
            for j, v in enumerate(row):
                if not lo <= v <= hi:
                    raise InputError(
                        f"value {v} is outside data.range [{lo}, {hi}]",
                        file=path,
                        line=line_no,
                        field=_column_label(j, column_names),
                    )
            rows.append(row)
    if not rows:
        raise InputError("no samples (empty file)", file=path)
    return np.asarray(rows, dtype=np.int16).reshape(len(rows), n_columns)


def _csv_files(folder: Path) -> list[Path]:
    """The .csv files directly in a class folder, sorted; nested folders are an error."""
    files = []
    for p in sorted(folder.iterdir()):
        if p.name.startswith("."):
            continue
        if p.is_dir():
            raise InputError(
                "nested folder: recordings must be .csv files directly in the class folder",
                file=p,
            )
        if p.suffix.lower() == ".csv":
            files.append(p)
    return files


def check_rate_in_name(path: Path, rate_hz: float) -> None:
    """Refuse a recording whose file name states another sampling rate (`<rate>Hz` token):
    its windows would span a different time than the firmware's."""
    for token in _RATE_TOKEN.findall(path.stem):
        if float(token) != rate_hz:
            raise InputError(
                f"the file name says {token} Hz but the project samples at {rate_hz:g} Hz",
                file=path,
                field="data.rate_hz",
            )


def load_dataset(data_dir: Path, config: Config) -> list[Recording]:
    """Load every recording of every class in `config.data.classes`, in class then file order.

    Each class needs a folder `data_dir/<class>` with at least one .csv file; other folders
    (except hidden ones) are an error; other files are ignored. A `<rate>Hz` token in a file
    name must agree with `data.rate_hz`. Every recording must hold at least one window
    (`config.window.length` samples). Raises InputError.
    """
    data_dir = Path(data_dir)
    d = config.data
    if d.format != "counts":
        return [r for r, _ in scan_dataset(data_dir, config)[0]]
    if not data_dir.is_dir():
        raise InputError("data folder does not exist", file=data_dir, field="data.dir")
    folders = {p.name for p in data_dir.iterdir() if p.is_dir() and not p.name.startswith(".")}
    extra = sorted(folders - set(d.classes))
    if extra:
        raise InputError(
            f"folders that are not classes: {', '.join(extra)} "
            f"(classes: {', '.join(d.classes)})",
            file=data_dir,
            field="data.classes",
        )
    recordings: list[Recording] = []
    length = config.window.length
    for label, name in enumerate(d.classes):
        folder = data_dir / name
        if not folder.is_dir():
            raise InputError(
                f"no folder for class {name!r}", file=folder, field="data.classes"
            )
        files = _csv_files(folder)
        if not files:
            raise InputError(
                f"no .csv recordings for class {name!r}", file=folder, field="data.classes"
            )
        for path in files:
            check_rate_in_name(path, d.rate_hz)
            samples = read_trace_csv(path, len(d.columns), d.range, column_names=d.columns)
            if len(samples) < length:
                raise InputError(
                    f"{len(samples)} samples is shorter than one window "
                    f"({length} samples)",
                    file=path,
                    field="window.length",
                )
            recordings.append(Recording(path, label, name, samples))
    return recordings


def scan_dataset(data_dir: Path, config: Config) -> tuple[list[tuple[Recording, Any]], list[str]]:
    """Every recording with what reading it measured (a `readers.Piece`: measured rate, gaps,
    clipped samples), and notes on what was left out. `data.format = "counts"` reads with
    `load_dataset`'s strict reader (rate: the declared one)."""
    from .readers import Piece, ReadNotes, read_pieces

    data_dir = Path(data_dir)
    if config.data.format == "counts":
        recs = load_dataset(data_dir, config)
        lo, hi = config.data.range
        return [(r, Piece(r.path, "", r.class_name, r.samples, None, 0, int(np.count_nonzero(
            (r.samples == lo) | (r.samples == hi))), 1)) for r in recs], []
    notes = ReadNotes()
    pieces = read_pieces(data_dir, config, notes)
    length = config.window.length
    out: list[tuple[Recording, Any]] = []
    labels = {c: i for i, c in enumerate(config.data.classes)}
    for p in pieces:
        if len(p.samples) < length:
            where = f"{p.path.name}{p.part}"
            if not p.part:
                raise InputError(f"{len(p.samples)} samples is shorter than one window "
                                 f"({length} samples)", file=p.path, line=p.line,
                                 field="window.length")
            notes.skipped.append(f"{where}: {len(p.samples)} samples, shorter than one window "
                                 f"({length})")
            continue
        out.append((Recording(p.path, labels[p.class_name], p.class_name, p.samples, p.part), p))
    for c in config.data.classes:
        if not any(r.class_name == c for r, _ in out):
            raise InputError(f"no recording of class {c!r} holds a whole window ({length} "
                             "samples)", file=data_dir, field="window.length")
    return out, notes.skipped
