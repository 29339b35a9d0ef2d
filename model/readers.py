"""Readers for datasets as they are published: delimited text tables and Edge Impulse JSON.

`data.format = "counts"` (the default) is the strict integer-count CSV of `model/data.py`. The
readers here serve `data.format = "table"` (.csv/.txt/.tsv: any delimiter, header or not,
columns by name or number, a timestamp, a label column) and `"edge_impulse"` (data-acquisition
JSON: `payload.interval_ms`, `payload.sensors[{name, units}]`, `payload.values`).

Whatever the shape, every recording ends as what the firmware's sensor layer delivers and the
simulator feeds: int16 samples, one per channel and frame, at `data.rate_hz`. The conversion
of one value `v` of channel `c` is, in this order:

1. physical value: `p = (v - channel_offset[c]) * channel_scale[c]` in `channel_units[c]`;
2. sensor sample: `s = p * SAMPLE_FACTOR[unit]`: accelerometer units become milli-g
   (`g`, `mg`, `m/s2`), gyroscope units become tenths of a degree per second (`dps`, `mdps`,
   `rad/s`), `counts` stay as they are;
3. with a timestamp (or an Edge Impulse interval other than the declared rate): the recording
   is resampled to `data.rate_hz` by linear interpolation between the two nearest samples
   (`data.resample = "linear"`), after cutting it at every step longer than
   `data.max_gap` sample periods (each piece becomes its own recording);
4. rounding half away from zero, then clipping to `data.range` (what a sensor at full scale
   does; `tinyfw data` reports how many samples were clipped).

So the firmware's input stays int16 counts with one `data.unit_scale` (0.001: milli-g -> g and
0.1 deg/s -> 100 deg/s), its integer preprocessing is unchanged and bit-exact with the host, and
the traces `tinyfw simulate` writes come from these same samples.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tinyfw.config import CHANNEL_UNITS, Config
from tinyfw.errors import InputError

# Step 2: sensor samples per physical unit.
SAMPLE_FACTOR: dict[str, float] = {
    "g": 1000.0,
    "mg": 1.0,
    "m/s2": 1000.0 / 9.80665,
    "dps": 10.0,
    "mdps": 0.01,
    "rad/s": 1800.0 / math.pi,
    "counts": 1.0,
}
assert tuple(SAMPLE_FACTOR) == CHANNEL_UNITS  # the schema's list of units is this table's
# What one sensor sample is, per unit (for messages and `tinyfw init`).
SAMPLE_UNIT = {"g": "mg", "mg": "mg", "m/s2": "mg", "dps": "0.1 dps", "mdps": "0.1 dps",
               "rad/s": "0.1 dps", "counts": "counts"}
# Edge Impulse sensor units -> ours.
EI_UNITS = {"m/s2": "m/s2", "m/s^2": "m/s2", "g": "g", "mg": "mg", "deg/s": "dps", "dps": "dps",
            "°/s": "dps", "rad/s": "rad/s", "mdps": "mdps"}
TABLE_SUFFIXES = (".csv", ".txt", ".tsv")
JSON_SUFFIXES = (".json",)
TIME_TO_S = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}
_FLOAT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_MAX_FILE_BYTES = 256 * 1024 * 1024


@dataclass
class Piece:
    """One recording read from a file, before it becomes a `Recording`."""

    path: Path
    part: str  # "" for a whole file, else " #k" / " #k (label)": which piece of the file
    class_name: str
    samples: np.ndarray  # int16 (n, channels)
    measured_rate_hz: float | None = None  # from timestamps / the JSON interval
    gaps: int = 0  # steps longer than data.max_gap periods (the recording was cut there)
    clipped: int = 0  # samples clipped to data.range
    line: int | None = None  # first line of the piece in its file


@dataclass
class ReadNotes:
    """What reading left out (reported by `tinyfw data`)."""

    skipped: list[str] = field(default_factory=list)


@dataclass
class _Segment:
    """Rows of one file between blank lines (or the whole file)."""

    values: np.ndarray  # float64 (n, channels), raw file values
    lines: np.ndarray  # int64 (n,), 1-based line numbers
    times: np.ndarray | None = None  # float64 (n,), seconds
    labels: list[str] | None = None


def _fail(msg: str, path: Path, line: int | None = None, col: str | None = None) -> InputError:
    return InputError(msg, file=path, line=line, field=col)


def _per_channel(values: tuple[float, ...], n: int, default: float, key: str) -> np.ndarray:
    if not values:
        return np.full(n, default)
    if len(values) == 1:
        return np.full(n, float(values[0]))
    if len(values) != n:
        raise InputError(f"{len(values)} values for {n} channels (give one, or one per channel)",
                         field=key)
    return np.asarray(values, dtype=np.float64)


def channel_units(config: Config) -> list[str]:
    d = config.data
    n = len(d.columns)
    units = list(d.channel_units) or ["counts"]
    if len(units) == 1:
        units = units * n
    if len(units) != n:
        raise InputError(f"{len(units)} units for {n} channels (give one, or one per channel)",
                         file=config.path, field="data.channel_units")
    return units


def to_samples(values: np.ndarray, config: Config, units: list[str]) -> np.ndarray:
    """Steps 1-2: raw file values (n, C) -> float sensor samples (n, C)."""
    d = config.data
    n = len(d.columns)
    offset = _per_channel(d.channel_offset, n, 0.0, "data.channel_offset")
    scale = _per_channel(d.channel_scale, n, 1.0, "data.channel_scale")
    factor = np.asarray([SAMPLE_FACTOR[u] for u in units])
    return (values - offset) * scale * factor


def round_and_clip(samples: np.ndarray, value_range: tuple[int, int]) -> tuple[np.ndarray, int]:
    """Step 4: round half away from zero, clip to the range; (int16 samples, clipped count)."""
    r = np.sign(samples) * np.floor(np.abs(samples) + 0.5)
    lo, hi = value_range
    clipped = int(np.count_nonzero((r < lo) | (r > hi)))
    return np.clip(r, lo, hi).astype(np.int16), clipped


def resample_linear(times: np.ndarray, samples: np.ndarray, rate_hz: float) -> np.ndarray:
    """Samples at times t0, t0 + 1/rate, ... <= t_end, linearly interpolated per channel."""
    span = float(times[-1] - times[0])
    n = math.floor(span * rate_hz + 1e-9) + 1
    grid = times[0] + np.arange(n) / rate_hz
    return np.stack([np.interp(grid, times, samples[:, c]) for c in range(samples.shape[1])],
                    axis=1)


# -- files --------------------------------------------------------------------------------------


def _read_text(path: Path) -> str:
    from .data import _open_regular

    with _open_regular(path) as f:
        raw = f.read(_MAX_FILE_BYTES + 1)
    if len(raw) > _MAX_FILE_BYTES:
        raise _fail(f"larger than {_MAX_FILE_BYTES} bytes", path)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise _fail(f"not UTF-8 text (byte 0x{raw[e.start]:02x})", path, line) from None


_LINE_END = re.compile(r"\r\n|\r|\n")


def split_fields(text: str, delimiter: str) -> list[str]:
    if delimiter == "whitespace":
        return text.split()
    sep = "\t" if delimiter == "tab" else delimiter
    return [s.strip(" \t").strip('"').strip() for s in text.split(sep)]


def sniff_delimiter(lines: list[str]) -> str:
    """The delimiter of the first non-blank lines: tab, `;`, `,`, else whitespace."""
    sample = [s for s in lines if s.strip()][:5]
    for cand, name in (("\t", "tab"), (";", ";"), (",", ",")):
        if sample and all(cand in s for s in sample):
            return name
    return "whitespace"


def is_number(text: str) -> bool:
    return _FLOAT.fullmatch(text) is not None


def _resolve(spec: str, header: list[str] | None, path: Path, key: str, line: int) -> int:
    """A column given by header name or 1-based number -> 0-based index."""
    if header is not None and spec in header:
        return header.index(spec)
    if spec.isdigit() and int(spec) >= 1:
        return int(spec) - 1
    known = f" (header: {', '.join(header)})" if header else " (no header: give column numbers)"
    raise _fail(f"no column {spec!r}{known}", path, line, key)


def _column_name(j: int, header: list[str] | None) -> str:
    if header is not None and j < len(header):
        return f"column {j + 1} ({header[j]})"
    return f"column {j + 1}"


def read_table(path: Path, config: Config) -> list[_Segment]:
    """A delimited text file -> its segments (split at blank lines if data.split_file says so)."""
    d = config.data
    lines = _LINE_END.split(_read_text(path))
    delimiter = d.delimiter if d.delimiter != "auto" else sniff_delimiter(lines)
    first = next((i for i, s in enumerate(lines) if s.strip()), None)
    if first is None:
        raise _fail("no samples (empty file)", path)
    first_fields = split_fields(lines[first], delimiter)
    has_header = d.header == "yes" or (
        d.header == "auto" and not all(is_number(s) for s in first_fields))
    header = first_fields if has_header else None
    sources = list(d.source_columns) or (list(d.columns) if header is not None else
                                         [str(j + 1) for j in range(len(d.columns))])
    if len(sources) != len(d.columns):
        raise InputError(f"{len(sources)} source columns for {len(d.columns)} channels",
                         file=config.path, field="data.source_columns")
    hline = first + 1
    cols = [_resolve(s, header, path, "data.source_columns", hline) for s in sources]
    tcol = _resolve(d.timestamp, header, path, "data.timestamp", hline) if d.timestamp else None
    lcol = (_resolve(d.label_column, header, path, "data.label_column", hline)
            if d.layout == "label_column" else None)
    width = len(header) if header is not None else len(first_fields)
    numeric = cols + ([tcol] if tcol is not None else [])
    segments: list[_Segment] = []
    rows: list[list[float]] = []
    times: list[float] = []
    labels: list[str] = []
    nums: list[int] = []
    blank_at: int | None = None

    def close() -> None:
        if rows:
            segments.append(_Segment(
                np.asarray(rows, dtype=np.float64), np.asarray(nums, dtype=np.int64),
                np.asarray(times) * TIME_TO_S[d.timestamp_unit] if tcol is not None else None,
                list(labels) if lcol is not None else None))
        rows.clear(), times.clear(), labels.clear(), nums.clear()

    start = first + 1 if header is not None else first
    for i in range(start, len(lines)):
        text, line_no = lines[i], i + 1
        if not text.strip():
            if blank_at is None:
                blank_at = line_no
            continue
        if blank_at is not None and rows:
            if d.split_file != "blank_lines":
                raise _fail("blank line between samples (recordings separated by blank lines: "
                            "set data.split_file = \"blank_lines\")", path, blank_at)
            close()
        blank_at = None
        fields = split_fields(text, delimiter)
        if header is not None and fields == header:
            continue  # the header repeated after a blank line
        if len(fields) != width:
            raise _fail(f"expected {width} values, found {len(fields)}", path, line_no)
        row = []
        for j in numeric:
            s = fields[j]
            if not _FLOAT.fullmatch(s):
                what = "empty value" if s == "" else f"{s!r} is not a number"
                raise _fail(what, path, line_no, _column_name(j, header))
            v = float(s)
            if not math.isfinite(v):
                raise _fail(f"{s!r} is not a finite number", path, line_no,
                            _column_name(j, header))
            row.append(v)
        rows.append(row[: len(cols)])
        if tcol is not None:
            times.append(row[-1])
        if lcol is not None:
            labels.append(fields[lcol])
        nums.append(line_no)
    close()
    if not segments:
        raise _fail("no samples (only a header)", path)
    return segments


def read_edge_impulse(path: Path, config: Config) -> tuple[_Segment, list[str], float]:
    """An Edge Impulse data-acquisition JSON -> (segment, units from the file, rate in Hz)."""
    d = config.data
    text = _read_text(path)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise _fail(f"not valid JSON: {e.msg} (column {e.colno})", path, e.lineno) from None

    def field_at(where: str) -> int | None:
        m = re.search(rf'"{re.escape(where)}"\s*:', text)
        return text[: m.start()].count("\n") + 1 if m else None

    payload = doc.get("payload") if isinstance(doc, dict) else None
    if not isinstance(payload, dict):
        raise _fail("no \"payload\" object (not an Edge Impulse data-acquisition file)", path,
                    None, "payload")
    interval = payload.get("interval_ms")
    if isinstance(interval, bool) or not isinstance(interval, (int, float)) or not interval > 0:
        raise _fail(f"interval_ms must be a number above 0, got {interval!r}", path,
                    field_at("interval_ms"), "payload.interval_ms")
    sensors = payload.get("sensors")
    if not isinstance(sensors, list) or not sensors or not all(
            isinstance(s, dict) and isinstance(s.get("name"), str) for s in sensors):
        raise _fail("sensors must be a list of {name, units}", path, field_at("sensors"),
                    "payload.sensors")
    names = [s["name"] for s in sensors]
    values = payload.get("values")
    vline = field_at("values")
    if not isinstance(values, list) or not values:
        raise _fail("values must be a non-empty list", path, vline, "payload.values")
    rows = []
    vstart = text.find('"values"')
    for i, v in enumerate(values):
        row = v if isinstance(v, list) else [v]
        if len(row) != len(names):
            line, col = _locate(text, vstart, i, None)
            raise _fail(f"{len(row)} values for {len(names)} sensors (column {col})", path,
                        line, f"payload.values[{i}]")
        for j, x in enumerate(row):
            if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
                line, col = _locate(text, vstart, i, j if isinstance(v, list) else None)
                raise _fail(f"{x!r} is not a number (column {col})", path, line,
                            f"payload.values[{i}][{j}] ({names[j]})")
        rows.append([float(x) for x in row])
    sources = list(d.source_columns) or list(d.columns)
    if len(sources) != len(d.columns):
        raise InputError(f"{len(sources)} source columns for {len(d.columns)} channels",
                         file=config.path, field="data.source_columns")
    cols = [_resolve(s, names, path, "data.source_columns", field_at("sensors") or 1)
            for s in sources]
    units = []
    for j in cols:
        u = str(sensors[j].get("units", ""))
        units.append(EI_UNITS.get(u, ""))
    arr = np.asarray(rows, dtype=np.float64)[:, cols]
    seg = _Segment(arr, np.full(len(arr), vline or 0, dtype=np.int64))
    return seg, units, 1000.0 / float(interval)


def _locate(text: str, start: int, i: int, j: int | None) -> tuple[int, int]:
    """(line, column), 1-based, of `values[i]` (or `values[i][j]`) in the JSON text, whose
    `"values"` key starts at `start`: a scan counting brackets and commas outside strings."""
    pos = text.index("[", start)
    depth, row, item, in_str, esc = 0, -1, 0, False, False
    target = None
    for k in range(pos, len(text)):
        ch = text[k]
        if in_str:
            esc = not esc and ch == "\\"
            if ch == '"' and not esc:
                in_str = False
            continue
        if ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
            if depth == 0:
                break
        elif ch == ",":
            if depth == 1:
                row += 1
                item = 0
            elif depth == 2:
                item += 1
            continue
        if ch.isspace():
            continue
        if depth == 1 and row == -1:
            row = 0
        if k > pos and row == i and (j is None or (item == j and depth >= 2
                                                     and ch not in "[{")):
            target = k
            break
    k = target if target is not None else start
    line = text.count("\n", 0, k) + 1
    return line, k - (text.rfind("\n", 0, k) + 1) + 1


# -- from segments to pieces --------------------------------------------------------------------


def _label_runs(seg: _Segment) -> list[tuple[str, _Segment]]:
    assert seg.labels is not None
    out = []
    start = 0
    for i in range(1, len(seg.labels) + 1):
        if i == len(seg.labels) or seg.labels[i] != seg.labels[start]:
            out.append((seg.labels[start], _Segment(
                seg.values[start:i], seg.lines[start:i],
                None if seg.times is None else seg.times[start:i])))
            start = i
    return out


def _timed(seg: _Segment, rate: float, config: Config, path: Path,
           tcol: str) -> list[tuple[np.ndarray, float, int, int]]:
    """Cut at gaps and resample: [(float samples, measured rate, gaps, first line)]; the gaps
    of the segment are counted on its first piece only."""
    d = config.data
    t = seg.times
    assert t is not None
    dt = np.diff(t)
    bad = np.nonzero(dt <= 0)[0]
    if len(bad):
        i = int(bad[0]) + 1
        raise _fail(f"timestamp does not increase ({t[i - 1]!r} then {t[i]!r} s)", path,
                    int(seg.lines[i]), tcol)
    cuts = np.nonzero(dt > d.max_gap / rate)[0] + 1
    out = []
    for a, b in zip(np.r_[0, cuts], np.r_[cuts, len(t)]):
        if b - a < 2:
            continue
        tt, vv = t[a:b], seg.values[a:b]
        measured = (b - a - 1) / float(tt[-1] - tt[0])
        if d.resample == "none":
            if abs(measured / rate - 1) > 0.02:
                raise _fail(f"measured rate {measured:.4g} Hz differs from data.rate_hz "
                            f"{rate:g} Hz by more than 2% (set data.resample = \"linear\")",
                            path, int(seg.lines[a]), tcol)
            out.append((vv, measured, 0 if out else len(cuts), int(seg.lines[a])))
        else:
            out.append((resample_linear(tt, vv, rate), measured, 0 if out else len(cuts),
                        int(seg.lines[a])))
    return out


def pieces_of_file(path: Path, class_name: str | None, config: Config,
                   notes: ReadNotes) -> list[Piece]:
    """Read one file into recordings. `class_name` None: from the label column."""
    d = config.data
    rate = d.rate_hz
    units = channel_units(config)
    if d.format == "edge_impulse":
        seg, file_units, file_rate = read_edge_impulse(path, config)
        if not d.channel_units:
            missing = [d.columns[j] for j, u in enumerate(file_units) if not u]
            if missing:
                raise _fail(f"unknown sensor units for {', '.join(missing)}: set "
                            "data.channel_units", path, None, "payload.sensors")
            units = file_units
        if abs(file_rate / rate - 1) > 1e-6:
            seg.times = np.arange(len(seg.values)) / file_rate
        segments = [(class_name, seg)]
        measured = file_rate
        tcol = "payload.interval_ms"
    else:
        segments = []
        for seg in read_table(path, config):
            if seg.labels is not None:
                segments += _label_runs(seg)
            else:
                segments.append((class_name, seg))
        measured = None
        tcol = f"data.timestamp ({d.timestamp})"
    pieces: list[Piece] = []
    multi = len(segments) > 1
    for k, (cls, seg) in enumerate(segments, 1):
        tokens = [str(k)] if multi else []
        if cls is None or (d.layout == "label_column" and cls not in d.classes):
            notes.skipped.append(f"{path.name}{_part(tokens)}: label {cls!r} is not a class "
                                 f"({len(seg.values)} samples, line {int(seg.lines[0])})")
            continue
        seg = _Segment(to_samples(seg.values, config, units), seg.lines, seg.times)
        if seg.times is not None:
            timed = _timed(seg, rate, config, path, tcol)
        else:
            timed = [(seg.values, measured, 0, int(seg.lines[0]))]
        for m, (vals, meas, gaps, line) in enumerate(timed, 1):
            sub = tokens + ([str(m)] if len(timed) > 1 else [])
            chunks = [vals]
            if d.split_file == "fixed_length":
                n = d.recording_length
                chunks = [vals[i:i + n] for i in range(0, len(vals) - n + 1, n)]
                if len(vals) % n:
                    notes.skipped.append(f"{path.name}{_part(sub)}: last {len(vals) % n} "
                                         f"samples are fewer than data.recording_length ({n})")
            for c, chunk in enumerate(chunks, 1):
                part = _part(sub + ([str(c)] if len(chunks) > 1 else []))
                samples, clipped = round_and_clip(chunk, d.range)
                pieces.append(Piece(path, part, cls, samples, meas, gaps, clipped, line))
    return pieces


def _part(tokens: list[str]) -> str:
    return " #" + ".".join(tokens) if tokens else ""


def _files(folder: Path, config: Config) -> list[Path]:
    suffixes = JSON_SUFFIXES if config.data.format == "edge_impulse" else TABLE_SUFFIXES
    out = []
    for p in sorted(folder.iterdir()):
        if p.name.startswith("."):
            continue
        if p.is_dir():
            raise InputError("nested folder: recordings must be files directly in the folder",
                             file=p)
        if p.suffix.lower() in suffixes:
            out.append(p)
    return out


def read_pieces(data_dir: Path, config: Config, notes: ReadNotes) -> list[Piece]:
    """Every recording of the dataset, in class-folder / file order (layout from data.layout)."""
    d = config.data
    if not data_dir.is_dir():
        raise InputError("data folder does not exist", file=data_dir, field="data.dir")
    if d.layout == "label_column" and not d.label_column:
        raise InputError("layout label_column needs a label_column", file=config.path,
                         field="data.label_column")
    if d.split_file == "fixed_length" and d.recording_length < 1:
        raise InputError("split_file fixed_length needs recording_length >= 1",
                         file=config.path, field="data.recording_length")
    pieces: list[Piece] = []
    if d.layout == "folder":
        folders = {p.name for p in data_dir.iterdir() if p.is_dir() and not p.name.startswith(".")}
        extra = sorted(folders - set(d.classes))
        if extra:
            raise InputError(f"folders that are not classes: {', '.join(extra)} "
                             f"(classes: {', '.join(d.classes)})", file=data_dir,
                             field="data.classes")
        for name in d.classes:
            folder = data_dir / name
            files = _files(folder, config) if folder.is_dir() else []
            if not files:
                raise InputError(f"no recordings for class {name!r}", file=folder,
                                 field="data.classes")
            for path in files:
                pieces += pieces_of_file(path, name, config, notes)
        return pieces
    pattern = re.compile(d.class_pattern)
    for path in _files(data_dir, config):
        cls = None
        if d.layout == "file_name":
            m = pattern.search(path.name)
            if m is None:
                raise InputError(f"file name does not match data.class_pattern "
                                 f"{d.class_pattern!r}", file=path, field="data.class_pattern")
            cls = m.group(1) if m.groups() else m.group(0)
            if cls not in d.classes:
                raise InputError(f"class {cls!r} from the file name is not in data.classes "
                                 f"({', '.join(d.classes)})", file=path, field="data.classes")
        pieces += pieces_of_file(path, cls, config, notes)
    for name in d.classes:
        if not any(p.class_name == name for p in pieces):
            raise InputError(f"no recordings for class {name!r}", file=data_dir,
                             field="data.classes")
    return pieces
