"""The project file `tinyfw.toml`: schema, defaults and strict validation.

Every setting has a type and a range; unknown keys, wrong types and values out of range are
reported as one line naming the file, the line (where it can be found) and the field.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from tinyfw.errors import InputError

CONFIG_NAME = "tinyfw.toml"

# A class name is data (it is printed by the firmware and escaped in generated C), but it is
# also a folder name: refuse what cannot be a portable folder name or a single UART token.
_CLASS_MAX_LEN = 48


@dataclass(frozen=True)
class DataConfig:
    dir: str = "../shared/data/st-har"
    rate_hz: float = 26.0
    units: str = "mg"
    # Physical value of one raw count, in the model's input unit (milli-g -> g: 0.001).
    unit_scale: float = 0.001
    columns: tuple[str, ...] = ("x", "y", "z")
    range: tuple[int, int] = (-4000, 4000)
    classes: tuple[str, ...] = ("stationary", "walking", "running")


@dataclass(frozen=True)
class WindowConfig:
    length: int = 52
    hop: int = 13


@dataclass(frozen=True)
class ModelConfig:
    arch: str = "conv1d"
    filters: tuple[int, ...] = (8, 16)
    kernel_sizes: tuple[int, ...] = (5, 3)
    dense: int = 16
    epochs: int = 30
    batch_size: int = 32
    learning_rate: float = 0.003
    seed: int = 1234
    augment_rotation: bool = True


@dataclass(frozen=True)
class SplitConfig:
    validation: float = 0.15
    test: float = 0.2
    seed: int = 7


@dataclass(frozen=True)
class PostConfig:
    method: str = "vote"  # "argmax" | "vote" | "threshold"
    vote: int = 3  # windows in the majority vote (method = "vote")
    threshold: float = 0.6  # minimum top probability (method = "threshold")


@dataclass(frozen=True)
class BoardConfig:
    id: str = "mps2_an386"


@dataclass(frozen=True)
class Config:
    """A whole project file. `path` is where it was read from (None for defaults)."""

    data: DataConfig = field(default_factory=DataConfig)
    window: WindowConfig = field(default_factory=WindowConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    split: SplitConfig = field(default_factory=SplitConfig)
    post: PostConfig = field(default_factory=PostConfig)
    board: BoardConfig = field(default_factory=BoardConfig)
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


_SECTIONS = {
    "data": DataConfig,
    "window": WindowConfig,
    "model": ModelConfig,
    "split": SplitConfig,
    "post": PostConfig,
    "board": BoardConfig,
}

# (minimum, maximum) for numeric fields; None = unbounded on that side.
_RANGES: dict[str, tuple[float | None, float | None]] = {
    "data.rate_hz": (0.001, 1e6),
    "data.unit_scale": (1e-12, 1e12),
    "window.length": (1, 65536),
    "window.hop": (1, 65536),
    "model.epochs": (1, 10000),
    "model.batch_size": (1, 65536),
    "model.dense": (1, 4096),
    "model.learning_rate": (1e-9, 10.0),
    "model.seed": (0, 2**31 - 1),
    "split.validation": (0.0, 0.9),
    "split.test": (0.0, 0.9),
    "split.seed": (0, 2**31 - 1),
    "post.vote": (1, 255),
    "post.threshold": (0.0, 1.0),
}

_CHOICES: dict[str, tuple[str, ...]] = {
    "model.arch": ("conv1d",),
    "post.method": ("argmax", "vote", "threshold"),
}


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


def _check_value(
    name: str, expected: Any, value: Any, err: Any
) -> Any:
    """Convert/validate one value against the default's type; `err(msg)` raises."""
    if isinstance(expected, bool):
        if not isinstance(value, bool):
            err(f"expected true or false, got {type(value).__name__} {value!r}")
        return value
    if isinstance(expected, int):
        if isinstance(value, bool) or not isinstance(value, int):
            err(f"expected an integer, got {type(value).__name__} {value!r}")
        return value
    if isinstance(expected, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            err(f"expected a number, got {type(value).__name__} {value!r}")
        if not math.isfinite(value):
            err(f"expected a finite number, got {value!r}")
        return float(value)
    if isinstance(expected, str):
        if not isinstance(value, str):
            err(f"expected a string, got {type(value).__name__} {value!r}")
        return value
    if isinstance(expected, tuple):
        if not isinstance(value, list):
            err(f"expected a list, got {type(value).__name__} {value!r}")
        item_type = type(expected[0]) if expected else str
        out = []
        for v in value:
            if item_type is int and (isinstance(v, bool) or not isinstance(v, int)):
                err(f"expected a list of integers, got item {v!r}")
            if item_type is str and not isinstance(v, str):
                err(f"expected a list of strings, got item {v!r}")
            out.append(v)
        return tuple(out)
    raise AssertionError(f"unhandled default type for {name}")


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
        if sec_name not in _SECTIONS and not isinstance(sec_val, dict):
            raise InputError(
                f"unknown key outside any section; settings belong in a section "
                f"({', '.join(f'[{n}]' for n in _SECTIONS)})",
                file=shown,
                line=_line_of_top_key(text, sec_name),
                field=sec_name,
            )
        if sec_name not in _SECTIONS:
            raise InputError(
                f"unknown section [{sec_name}] (known: {', '.join(_SECTIONS)})",
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
        cls = _SECTIONS[sec_name]
        defaults = cls()
        known = {f.name for f in fields(cls)}
        kwargs: dict[str, Any] = {}
        for key, value in sec_val.items():
            fname = f"{sec_name}.{key}"
            line = _line_of(text, sec_name, key)

            def err(msg: str, fname: str = fname, line: int | None = line) -> None:
                raise InputError(msg, file=shown, line=line, field=fname)

            if key not in known:
                err(f"unknown key (known in [{sec_name}]: {', '.join(sorted(known))})")
            v = _check_value(fname, getattr(defaults, key), value, err)
            if fname in _RANGES and isinstance(v, (int, float)):
                lo, hi = _RANGES[fname]
                if (lo is not None and v < lo) or (hi is not None and v > hi):
                    err(f"{v!r} is out of range [{lo}, {hi}]")
            if fname in _CHOICES and v not in _CHOICES[fname]:
                err(f"{v!r} is not one of {', '.join(_CHOICES[fname])}")
            kwargs[key] = v
        sections[sec_name] = cls(**kwargs)

    cfg = Config(**sections, path=path)
    _check_cross_fields(cfg, text, shown)
    return cfg


def _check_cross_fields(cfg: Config, text: str, shown: Any) -> None:
    def line(sec: str, key: str) -> int | None:
        return _line_of(text, sec, key)

    d = cfg.data
    if len(d.columns) < 1 or len(d.columns) > 16:
        raise InputError(
            "columns must name 1 to 16 sensor channels",
            file=shown, line=line("data", "columns"), field="data.columns",
        )
    if len(d.range) != 2 or d.range[0] >= d.range[1]:
        raise InputError(
            "range must be [min, max] with min < max",
            file=shown, line=line("data", "range"), field="data.range",
        )
    if d.range[0] < -32768 or d.range[1] > 32767:
        raise InputError(
            "range must fit raw int16 sensor counts [-32768, 32767]",
            file=shown, line=line("data", "range"), field="data.range",
        )
    if len(d.classes) < 2:
        raise InputError(
            "at least two classes are needed",
            file=shown, line=line("data", "classes"), field="data.classes",
        )
    if len(d.classes) > 255:
        raise InputError(
            "at most 255 classes are supported",
            file=shown, line=line("data", "classes"), field="data.classes",
        )
    for i, c in enumerate(d.classes):
        validate_class_name(c, file=shown, field_name=f"data.classes[{i}]")
    if len(set(d.classes)) != len(d.classes):
        raise InputError(
            "class names repeat", file=shown, line=line("data", "classes"), field="data.classes"
        )
    if cfg.window.hop > cfg.window.length:
        raise InputError(
            f"hop ({cfg.window.hop}) is longer than the window ({cfg.window.length})",
            file=shown, line=line("window", "hop"), field="window.hop",
        )
    m = cfg.model
    if len(m.filters) != len(m.kernel_sizes) or not m.filters:
        raise InputError(
            "filters and kernel_sizes must be non-empty lists of the same length",
            file=shown, line=line("model", "filters"), field="model.filters",
        )
    if any(f < 1 or f > 1024 for f in m.filters) or any(k < 1 or k > 64 for k in m.kernel_sizes):
        raise InputError(
            "filters must be in [1, 1024] and kernel_sizes in [1, 64]",
            file=shown, line=line("model", "filters"), field="model.filters",
        )
    if cfg.split.validation + cfg.split.test >= 0.9:
        raise InputError(
            "validation + test must leave recordings to train on (sum < 0.9)",
            file=shown, line=line("split", "test"), field="split.test",
        )
    if not re.fullmatch(r"[A-Za-z0-9_]{1,64}", cfg.board.id):
        raise InputError(
            f"board id {cfg.board.id!r} is not a board name",
            file=shown, line=line("board", "id"), field="board.id",
        )


def _check_board_exists(cfg: Config, text: str, path: Path) -> None:
    """[board].id must name a manifest: `<project>/boards/<id>.json` or one tinyfw ships."""
    from tinyfw.paths import BOARDS

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
