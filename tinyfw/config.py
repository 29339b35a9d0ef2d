"""The project file `tinyfw.toml`: one declarative schema, its defaults and strict validation.

Every setting is a dataclass field declared with `setting(...)`: its type (the annotation), its
default, its range or choices, its unit and its help text. The validator reads only that schema
(plus the few rules that relate two settings, `_RULES`), and so does the reference
docs/CONFIG.md (`tinyfw config-reference`), so the two cannot disagree. Unknown keys, wrong types
and values out of range are reported as one line naming the file, the line (where it can be
found) and the field.
"""

from __future__ import annotations

import math
import re
import tomllib
import typing
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any

from tinyfw.errors import InputError
from tinyfw.paths import BOARDS
from tinyfw.sim.boards import BOARD_ID

CONFIG_NAME = "tinyfw.toml"

# A class name is data (it is printed by the firmware and escaped in generated C), but it is
# also a folder name: refuse what cannot be a portable folder name or a single UART token.
_CLASS_MAX_LEN = 48
# The board-id rule is the board schema's (sim/boards.py), described for the reference.
_BOARD_ID = (BOARD_ID.pattern, "a board name (1 to 64 letters, digits or _)")
_SEED = (0, 2**31 - 1)


def setting(
    default: Any,
    help: str,
    *,
    unit: str = "",
    range: tuple[float, float] | None = None,
    choices: tuple[str, ...] | None = None,
    length: tuple[int, int] | None = None,
    items: tuple[int, int] | None = None,
    pattern: tuple[str, str] | None = None,
    noun: tuple[str, str] = ("item", "items"),
) -> Any:
    """One setting of tinyfw.toml: a dataclass field whose metadata is its schema.

    `range` bounds a number, `choices` a string; for a list, `length` bounds how many items it
    holds and `items` bounds each item; `pattern` is (regular expression, what it describes) that a
    string must match in full; `noun` (singular, plural) names a list's items in messages.
    """
    meta = {"help": help, "unit": unit, "range": range, "choices": choices, "length": length,
            "items": items, "pattern": pattern, "noun": noun}
    if isinstance(default, (list, tuple)):
        return field(default=tuple(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class DataConfig:
    """The recorded sensor data."""

    dir: str = setting("data/st-har",
                       "dataset folder, one subfolder of CSV traces per class; relative to the "
                       "project folder")
    rate_hz: float = setting(26.0, "sensor output data rate", unit="Hz", range=(0.001, 1e6))
    units: str = setting("mg", "name of the unit of one raw count (a comment in generated C)")
    unit_scale: float = setting(0.001, "physical value of one raw count in the model's input "
                                "unit (milli-g to g: 0.001)", range=(1e-12, 1e12))
    columns: tuple[str, ...] = setting(("x", "y", "z"), "names of the sensor channels, in CSV "
                                       "column order", length=(1, 16),
                                       noun=("sensor channel", "sensor channels"))
    range: tuple[int, int] = setting((-4000, 4000), "sensor full scale [min, max], min < max",
                                     unit="raw int16 counts", items=(-32768, 32767))
    classes: tuple[str, ...] = setting(
        ("stationary", "walking", "running"),
        f"class names (also folder names and UART tokens): distinct, not blank, at most "
        f"{_CLASS_MAX_LEN} characters, no control character, no `/`, not `.` or `..`",
        length=(2, 255), noun=("class", "classes"))
    # -- how recordings are read (model/readers.py); the defaults read data/st-har --------------
    format: str = setting("counts", "counts: CSV of integer counts, no header (the strict "
                          "reader); table: delimited text (.csv/.txt/.tsv) read with the keys "
                          "below; edge_impulse: Edge Impulse data-acquisition JSON",
                          choices=("counts", "table", "edge_impulse"))
    layout: str = setting("folder", "where the class comes from: folder (one subfolder per "
                          "class), label_column (a column; each run of one label is a "
                          "recording), file_name (`class_pattern` on the file name)",
                          choices=("folder", "label_column", "file_name"))
    class_pattern: str = setting("^([A-Za-z]+)", "layout file_name: regular expression "
                                 "searched in the file name; its first group is the class")
    label_column: str = setting("", "layout label_column: the label column (header name or "
                                "1-based number); labels not in `classes` are left out")
    split_file: str = setting("none", "recordings in one file: none (the file is one), "
                              "blank_lines (separated by blank lines), fixed_length (every "
                              "`recording_length` samples)",
                              choices=("none", "blank_lines", "fixed_length"))
    recording_length: int = setting(0, "split_file fixed_length: samples per recording "
                                    "(at data.rate_hz after resampling)", unit="samples",
                                    range=(0, 10**9))
    delimiter: str = setting("auto", "format table: field separator; auto picks tab, `;`, "
                             "`,`, else whitespace (runs of spaces or tabs)",
                             choices=("auto", ",", ";", "tab", "whitespace"))
    header: str = setting("auto", "format table: first row names the columns (auto: when it "
                          "holds a field that is not a number)", choices=("auto", "yes", "no"))
    source_columns: tuple[str, ...] = setting(
        (), "format table / edge_impulse: the column (header name, sensor name or 1-based "
        "number) of each channel of `columns`; empty: the names in `columns` (with a header) "
        "or the first columns; other columns are ignored", length=(0, 16))
    timestamp: str = setting("", "format table: the timestamp column (name or number); the "
                             "rate is measured from it and the recording resampled to "
                             "`rate_hz`; empty: samples are `1 / rate_hz` apart")
    timestamp_unit: str = setting("ms", "unit of the timestamp column",
                                  choices=("s", "ms", "us", "ns"))
    resample: str = setting("linear", "with a timestamp (or an Edge Impulse interval other "
                            "than `rate_hz`): linear (interpolate between the two nearest "
                            "samples onto a `1 / rate_hz` grid) or none (refuse a measured "
                            "rate more than 2% off `rate_hz`)", choices=("linear", "none"))
    max_gap: float = setting(3.0, "a timestamp step longer than this many sample periods is "
                             "a gap: the recording is cut there into two", unit="periods",
                             range=(1.0, 1e9))
    channel_units: tuple[str, ...] = setting(
        (), "unit of each channel's values (one for all, or one per channel): g, mg, m/s2 "
        "(become milli-g samples), dps, mdps, rad/s (become 0.1 deg/s samples), counts (kept); "
        "empty: counts (edge_impulse: the file's units)", length=(0, 16))
    channel_scale: tuple[float, ...] = setting(
        (), "values are `(value - channel_offset) * channel_scale` in `channel_units` (one for "
        "all, or one per channel); empty: 1", length=(0, 16))
    channel_offset: tuple[float, ...] = setting(
        (), "offset subtracted from each channel's raw values first (unsigned codes: their "
        "zero); empty: 0", length=(0, 16))


@dataclass(frozen=True)
class WindowConfig:
    """How traces are cut into the model's input windows."""

    length: int = setting(52, "samples per window", unit="samples", range=(1, 65536))
    hop: int = setting(13, "samples between the starts of two windows; at most `length`",
                       unit="samples", range=(1, 65536))


@dataclass(frozen=True)
class ModelConfig:
    """The network and its training."""

    arch: str = setting("conv1d", "network family", choices=("conv1d",))
    filters: tuple[int, ...] = setting((8, 16), "filters of each conv layer; non-empty, "
                                       "as many as `kernel_sizes`", items=(1, 1024))
    kernel_sizes: tuple[int, ...] = setting((5, 3), "kernel size of each conv layer",
                                            unit="samples", items=(1, 64))
    dense: int = setting(16, "units of the dense layer before the output", range=(1, 4096))
    epochs: int = setting(30, "training epochs", range=(1, 10000))
    batch_size: int = setting(32, "training batch size", unit="windows", range=(1, 65536))
    learning_rate: float = setting(0.003, "Adam learning rate", range=(1e-9, 10.0))
    seed: int = setting(1234, "seed of weight initialisation and shuffling", range=_SEED)
    # -- training choices `tinyfw train` can make itself (model/choose.py) --------------------
    augment_rotation: bool | str = setting(
        "auto", "train on randomly rotated copies of the windows (3 columns only); `auto`: "
        "train chooses by validation accuracy", choices=("auto",))
    augment_time_warp: bool | str = setting(
        "auto", "replay each training recording at a random speed every epoch; `auto`: train "
        "chooses by validation accuracy", choices=("auto",))
    search_epochs: int = setting(
        0, "epochs of each short candidate run when train chooses between settings (0: "
        "`epochs` / (2 x candidates), more for small data, at most `epochs` / candidates)",
        range=(0, 10000))


@dataclass(frozen=True)
class PreprocessConfig:
    """The integer preprocessing of each window (the same on the host and in the firmware)."""

    center: bool | str = setting(
        "auto", "subtract each window's per-channel mean first (removes gravity and posture); "
        "`auto`: train chooses by validation accuracy, the model records the choice",
        choices=("auto",))


@dataclass(frozen=True)
class SplitConfig:
    """How recordings are split into training, validation and test sets."""

    validation: float = setting(0.15, "share of each class's recordings held out for "
                                "validation", range=(0.0, 0.9))
    test: float = setting(0.2, "share of each class's recordings held out for the test; "
                          "validation + test < 0.9", range=(0.0, 0.9))
    seed: int = setting(7, "seed of the split", range=_SEED)


@dataclass(frozen=True)
class PostConfig:
    """Post-processing of the model's outputs on the device."""

    method: str = setting("vote", "argmax (each window), vote (majority of the last `vote` "
                          "windows) or threshold (top probability at least `threshold`)",
                          choices=("argmax", "vote", "threshold"))
    vote: int = setting(3, "windows in the majority vote (method = vote)", unit="windows",
                        range=(1, 255))
    threshold: float = setting(0.6, "minimum top probability (method = threshold)",
                               range=(0.0, 1.0))


@dataclass(frozen=True)
class BoardConfig:
    """The target board."""

    id: str = setting("mps2_an386", "board id: boards/<id>.json in the project or in tinyfw "
                      "(`tinyfw boards` lists them)", pattern=_BOARD_ID)


# -- [firmware]: the inference backend (issue 10, TFLite Micro backend) ------------------------


@dataclass(frozen=True)
class FirmwareConfig:
    """The inference code `tinyfw generate` writes."""

    backend: str = setting("native", "native (tinyfw's interpreter-free C11 kernels) or tflm "
                           "(the model as a C array + a TensorFlow Lite Micro inference loop in "
                           "C++; builds need TFLM_DIR, see README 'TFLite Micro backend')",
                           choices=("native", "tflm"))
    tflm_arena_bytes: int = setting(0, "backend tflm: the tensor arena; 0 = the oracle's measured "
                                    "use + 25 % + 1024 B", unit="B", range=(0, 2**31 - 1))


@dataclass(frozen=True)
class Config:
    """A whole project file. `path` is where it was read from (None for defaults)."""

    data: DataConfig = field(default_factory=DataConfig)
    window: WindowConfig = field(default_factory=WindowConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    preprocess: PreprocessConfig = field(default_factory=PreprocessConfig)
    split: SplitConfig = field(default_factory=SplitConfig)
    post: PostConfig = field(default_factory=PostConfig)
    board: BoardConfig = field(default_factory=BoardConfig)
    firmware: FirmwareConfig = field(default_factory=FirmwareConfig)
    path: Path | None = None

    @property
    def root(self) -> Path:
        """The project root: the folder holding tinyfw.toml (cwd for defaults)."""
        return self.path.parent if self.path is not None else Path.cwd()

    def data_dir(self, override: str | Path | None = None) -> Path:
        """The data folder: `override` (from --data) or [data].dir relative to the root."""
        d = Path(override) if override is not None else Path(self.data.dir)
        if not d.is_absolute():
            d = (Path.cwd() if override is not None else self.root) / d
        return d.resolve()


# The sections of the file, in order: every field of Config except `path`.
SECTIONS: dict[str, type] = {
    f.name: f.default_factory for f in fields(Config) if f.default_factory is not MISSING
}


@dataclass(frozen=True)
class Setting:
    """One setting as the schema declares it (see `setting`)."""

    section: str
    key: str
    type: Any  # the annotation: bool, int, float, str, tuple[int, ...], tuple[int, int], ...
    default: Any
    help: str
    unit: str
    range: tuple[float, float] | None
    choices: tuple[str, ...] | None
    length: tuple[int, int] | None
    items: tuple[int, int] | None
    pattern: tuple[str, str] | None
    noun: tuple[str, str]

    @property
    def name(self) -> str:
        return f"{self.section}.{self.key}"

    @property
    def item_type(self) -> type | None:
        """For a list setting, the type of its items (None for a scalar)."""
        return typing.get_args(self.type)[0] if typing.get_origin(self.type) is tuple else None


def settings(section: str) -> list[Setting]:
    """The settings of one section, in declaration order."""
    cls = SECTIONS[section]
    hints = typing.get_type_hints(cls)
    return [Setting(section, f.name, hints[f.name], f.default, **f.metadata) for f in fields(cls)]


def _number(x: float) -> str:
    return repr(x)


def _bounds(lo: float, hi: float, unit: str) -> str:
    return f"[{_number(lo)}, {_number(hi)}]" + (f" {unit}" if unit else "")


def _count(n: int, noun: tuple[str, str]) -> str:
    """`one class`, `two classes`, `255 classes`."""
    words = {1: "one", 2: "two", 3: "three"}
    return f"{words.get(n, n)} {noun[0] if n == 1 else noun[1]}"


_TYPE_WORDS = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}


def _check_value(s: Setting, value: Any, err: Callable[[str], None]) -> Any:
    """Check one value against its setting's type and bounds; `err(msg)` raises."""
    got = f"got {type(value).__name__} {value!r}"
    item = s.item_type
    if s.type == bool | str:  # a switch: true, false or one of its words (`auto`)
        if not isinstance(value, bool) and value not in (s.choices or ()):
            words = " or ".join(f'"{c}"' for c in s.choices or ())
            err(f"{value!r} is not one of true or false or {words}")
        return value
    if item is None:
        t = s.type
        if (t is bool) != isinstance(value, bool) or not isinstance(
            value, {bool: bool, int: int, float: (int, float), str: str}[t]
        ):
            err(f"expected {_TYPE_WORDS[t]}, {got}")
        if t is float:
            if not math.isfinite(value):
                err(f"expected a finite number, got {value!r}")
            value = float(value)
        if s.range is not None and not s.range[0] <= value <= s.range[1]:
            err(f"{value!r} is out of range {_bounds(*s.range, s.unit)}")
        if s.choices is not None and value not in s.choices:
            err(f"{value!r} is not one of {', '.join(s.choices)}")
        if s.pattern is not None and not re.fullmatch(s.pattern[0], value):
            err(f"{value!r} is not {s.pattern[1]}")
        return value
    if not isinstance(value, list):
        err(f"expected a list, {got}")
    words = {int: "integers", float: "numbers"}.get(item, "strings")
    accepted = (int, float) if item is float else item
    for v in value:
        if isinstance(v, bool) or not isinstance(v, accepted) or (
                item is float and not math.isfinite(v)):
            err(f"expected a list of {words}, got item {v!r}")
        if s.items is not None and not s.items[0] <= v <= s.items[1]:
            err(f"item {v!r} is out of range {_bounds(*s.items, s.unit)}")
    if s.length is not None and not s.length[0] <= len(value) <= s.length[1]:
        lo, hi = s.length
        if len(value) < lo:
            err(f"at least {_count(lo, s.noun)} are needed ({lo} to {hi}), got {len(value)}")
        err(f"at most {_count(hi, s.noun)} are supported ({lo} to {hi}), got {len(value)}")
    return tuple(float(v) for v in value) if item is float else tuple(value)


def validate_class_name(name: str, *, file: str | Path | None, field_name: str) -> None:
    """Class names are data: any printable text is allowed except what cannot name a folder."""
    if not name or not name.strip():
        raise InputError("class name is empty", file=file, field=field_name)
    if len(name) > _CLASS_MAX_LEN:
        raise InputError(
            f"class name {name!r} is longer than {_CLASS_MAX_LEN} characters",
            file=file,
            field=field_name,
        )
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        raise InputError(
            f"class name {name!r} contains a control character", file=file, field=field_name
        )
    if "/" in name or name in (".", ".."):
        raise InputError(
            f"class name {name!r} cannot be a folder name", file=file, field=field_name
        )


# -- rules between settings (or within one list): the reference lists their docstrings -------


class _Broken(Exception):
    """A rule is broken: (field, message); the caller adds the file and line."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


def _range_is_min_max(cfg: Config) -> None:
    """`data.range` is [min, max] with min < max."""
    r = cfg.data.range
    if len(r) != 2 or r[0] >= r[1]:
        raise _Broken("data.range", "range must be [min, max] with min < max")


def _class_names_are_distinct(cfg: Config) -> None:
    """`data.classes` are distinct names that can be folder names and UART tokens."""
    for i, c in enumerate(cfg.data.classes):
        validate_class_name(c, file=None, field_name=f"data.classes[{i}]")
    if len(set(cfg.data.classes)) != len(cfg.data.classes):
        raise _Broken("data.classes", "class names repeat")


def _hop_fits_the_window(cfg: Config) -> None:
    """`window.hop` is at most `window.length`."""
    if cfg.window.hop > cfg.window.length:
        raise _Broken("window.hop", f"hop ({cfg.window.hop}) is longer than the window "
                      f"({cfg.window.length})")


def _one_kernel_per_conv(cfg: Config) -> None:
    """`model.filters` and `model.kernel_sizes` are non-empty and of the same length."""
    m = cfg.model
    if len(m.filters) != len(m.kernel_sizes) or not m.filters:
        raise _Broken("model.filters",
                      "filters and kernel_sizes must be non-empty lists of the same length")


def _something_left_to_train_on(cfg: Config) -> None:
    """`split.validation` + `split.test` < 0.9: recordings are left to train on."""
    if cfg.split.validation + cfg.split.test >= 0.9:
        raise _Broken("split.test",
                      "validation + test must leave recordings to train on (sum < 0.9)")


def _readers_are_complete(cfg: Config) -> None:
    """`data.class_pattern` is a regex; `data.channel_*`: one value or one per channel."""
    d = cfg.data
    try:
        re.compile(d.class_pattern)
    except re.error as e:
        raise _Broken("data.class_pattern", f"not a regular expression: {e}") from None
    for u in d.channel_units:
        if u not in CHANNEL_UNITS:
            raise _Broken("data.channel_units", f"{u!r} is not one of {', '.join(CHANNEL_UNITS)}")
    n = len(d.columns)
    for key in ("channel_units", "channel_scale", "channel_offset"):
        if len(getattr(d, key)) not in (0, 1, n):
            raise _Broken(f"data.{key}", f"{len(getattr(d, key))} values for {n} channels "
                          "(give one, or one per channel)")
    if len(d.source_columns) not in (0, n):
        raise _Broken("data.source_columns", f"{len(d.source_columns)} source columns for "
                      f"{n} channels")


CHANNEL_UNITS = ("g", "mg", "m/s2", "dps", "mdps", "rad/s", "counts")


_RULES = (_range_is_min_max, _class_names_are_distinct, _hop_fits_the_window,
          _one_kernel_per_conv, _something_left_to_train_on, _readers_are_complete)


# -- reading ------------------------------------------------------------------------------------


def _line_of(text: str, section: str, key: str | None) -> int | None:
    """Best-effort line number of `[section]` / `key =` in the TOML text (1-based)."""
    lines = text.splitlines()
    in_section = False
    for i, raw in enumerate(lines, 1):
        s = raw.strip()
        m = re.match(r"^\[\s*([^\]]+?)\s*\]", s)
        if m:
            in_section = m.group(1).strip().strip('"') == section
            if in_section and key is None:
                return i
            continue
        if in_section and key is not None and re.match(rf'^"?{re.escape(key)}"?\s*[=.]', s):
            return i
    return None


def _line_of_top_key(text: str, key: str) -> int | None:
    """Line of `key =` before the first table header (a key outside any section)."""
    for i, raw in enumerate(text.splitlines(), 1):
        s = raw.strip()
        if s.startswith("["):
            return None
        if re.match(rf'^"?{re.escape(key)}"?\s*[=.]', s):
            return i
    return None


def parse_config(text: str, path: Path | None = None) -> Config:
    """Parse and validate project-file text. Raises InputError naming file, line and field."""
    shown = path if path is not None else CONFIG_NAME
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"line (\d+)", str(e))
        raise InputError(
            f"not valid TOML: {str(e).split(' (at')[0]}",
            file=shown,
            line=int(m.group(1)) if m else None,
        ) from None

    sections: dict[str, Any] = {}
    for sec_name, sec_val in raw.items():
        if sec_name not in SECTIONS and not isinstance(sec_val, dict):
            raise InputError(
                f"unknown key outside any section; settings belong in a section "
                f"({', '.join(f'[{n}]' for n in SECTIONS)})",
                file=shown,
                line=_line_of_top_key(text, sec_name),
                field=sec_name,
            )
        if sec_name not in SECTIONS:
            raise InputError(
                f"unknown section [{sec_name}] (known: {', '.join(SECTIONS)})",
                file=shown,
                line=_line_of(text, sec_name, None),
                field=sec_name,
            )
        if not isinstance(sec_val, dict):
            raise InputError(
                f"{sec_name} must be a table [{sec_name}]",
                file=shown,
                line=_line_of(text, sec_name, None),
                field=sec_name,
            )
        schema = {s.key: s for s in settings(sec_name)}
        kwargs: dict[str, Any] = {}
        for key, value in sec_val.items():
            fname = f"{sec_name}.{key}"
            line = _line_of(text, sec_name, key)

            def err(msg: str, fname: str = fname, line: int | None = line) -> None:
                raise InputError(msg, file=shown, line=line, field=fname)

            if key not in schema:
                err(f"unknown key (known in [{sec_name}]: {', '.join(sorted(schema))})")
            kwargs[key] = _check_value(schema[key], value, err)
        sections[sec_name] = SECTIONS[sec_name](**kwargs)

    cfg = Config(**sections, path=path)
    for rule in _RULES:
        try:
            rule(cfg)
        except _Broken as b:
            sec, key = b.field.split(".")
            raise InputError(b.message, file=shown, line=_line_of(text, sec, key),
                             field=b.field) from None
        except InputError as e:  # validate_class_name: no line for one item of a list
            raise InputError(e.message, file=shown, field=e.field) from None
    return cfg


def _check_board_exists(cfg: Config, text: str, path: Path) -> None:
    """[board].id must name a manifest: `<project>/boards/<id>.json` or one tinyfw ships."""
    folders = [path.parent / "boards", BOARDS]
    if any((d / f"{cfg.board.id}.json").is_file() for d in folders):
        return
    known = sorted({p.stem for d in folders if d.is_dir() for p in d.glob("*.json")})
    raise InputError(
        f"unknown board {cfg.board.id!r}: no boards/{cfg.board.id}.json in the project or in "
        f"tinyfw (known boards: {', '.join(known) or 'none'})",
        file=path, line=_line_of(text, "board", "id"), field="board.id",
    )


def load_config(path: Path) -> Config:
    """Read and validate a project file (including that its board exists)."""
    path = Path(path).resolve()
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror}", file=path) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(f"not UTF-8 text (byte {e.start})", file=path) from None
    cfg = parse_config(text, path)
    _check_board_exists(cfg, text, path)
    return cfg


def find_project(start: Path | None = None) -> Path | None:
    """The nearest tinyfw.toml at or above `start` (default: cwd), or None."""
    here = (start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        p = d / CONFIG_NAME
        if p.is_file():
            return p
    return None


# -- the reference (docs/CONFIG.md) -------------------------------------------------------------

REFERENCE_PATH = "docs/CONFIG.md"


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return _number(value)


def _type_words(s: Setting) -> str:
    if s.type == bool | str:
        return "boolean or string"
    item = s.item_type
    if item is None:
        return {bool: "boolean", int: "integer", float: "number", str: "string"}[s.type]
    args = typing.get_args(s.type)
    word = {int: "integer", float: "number"}.get(item, "string")
    if args[-1] is Ellipsis:
        return f"list of {word}s"
    return "[" + ", ".join(word for _ in args) + "]"


def _allowed(s: Setting) -> str:
    parts = []
    if s.type == bool | str:  # a switch: true, false or one of its words
        return " \\| ".join(f"`{c}`" for c in ("true", "false", *(s.choices or ())))
    if s.range is not None:
        parts.append(_bounds(*s.range, s.unit))
    elif s.unit and s.items is None:
        parts.append(s.unit)
    if s.choices is not None:
        parts.append(" \\| ".join(f"`{c}`" for c in s.choices))
    if s.length is not None:
        parts.append(f"{s.length[0]} to {s.length[1]} items")
    if s.items is not None:
        parts.append("each in " + _bounds(*s.items, s.unit))
    if s.pattern is not None:
        parts.append(s.pattern[1])
    return "; ".join(parts)


def render_reference() -> str:
    """docs/CONFIG.md: every setting of tinyfw.toml, generated from the schema above."""
    out = [
        "# tinyfw.toml reference",
        "",
        (f"<!-- Generated from tinyfw/config.py by `tinyfw config-reference --out "
         f"{REFERENCE_PATH}`; do not edit: tests/test_config_reference.py compares. -->"),
        "",
        ("The project file `tinyfw.toml` sits in the project folder (tinyfw looks for it "
         "upward from the current folder, or takes `--project`). Every key is optional; a key "
         "it does not know, a value of the wrong type or out of range is refused in one line "
         "naming the file, the line and the field."),
        "",
    ]
    for sec, cls in SECTIONS.items():
        out += [f"## [{sec}]", "", (cls.__doc__ or "").strip(), "",
                "| key | type | default | allowed | meaning |", "|---|---|---|---|---|"]
        for s in settings(sec):
            cells = [f"`{s.key}`", _type_words(s), f"`{_toml(s.default)}`", _allowed(s),
                     s.help.replace("|", "\\|")]
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    out += ["## Rules between settings", ""]
    out += [f"- {(rule.__doc__ or '').strip()}" for rule in _RULES]
    out += ["- `board.id` names a manifest: `boards/<id>.json` in the project or in tinyfw.", ""]
    return "\n".join(out)
