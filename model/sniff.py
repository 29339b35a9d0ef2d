"""`tinyfw init --data DIR`: look at a dataset and write a commented tinyfw.toml.

What is inferred, and how:
- format: `.json` files are Edge Impulse JSON; else delimited text (`table`);
- layout: subfolders are classes (`folder`); else a column named label/activity/class/y or an
  integer last column of few values (`label_column`); else the class is the file name's first
  word (`file_name`, with the pattern written out);
- delimiter and header: as the table reader decides them (`readers.sniff_delimiter`);
- recordings per file: blank lines between rows -> `blank_lines`;
- timestamp: a column named t/time/timestamp/ts; its unit from the step (ms if the median step
  is above 1, else s); the rate from the median step; else a `<n>Hz` token in a file name, or
  the Edge Impulse interval; else 50 Hz, marked CONFIRM;
- channels: the numeric columns other than timestamp, label and sequence-number columns;
  units guessed from the values: a mean vector magnitude near 9.8 is m/s2, near 1 is g, near
  1000 is mg, unsigned integer codes are counts around their middle; gyroscope-named columns
  (g?x, gyr*, alpha/beta/gamma) are deg/s (rad/s when every value is below 20);
- window: about 2 s, at most half the shortest recording; the hop a quarter of it, or less so
  that the shortest recording gives about 8 windows.
Everything guessed is marked `# CONFIRM` in the file.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import replace
from pathlib import Path

import numpy as np

from tinyfw.config import Config, DataConfig, WindowConfig, parse_config
from tinyfw.errors import InputError

from . import readers

_LABEL = re.compile(r"^(label|activity|class|target|gesture)$", re.IGNORECASE)
_TIME = re.compile(r"^(t|time|timestamp|ts|time_?ms|epoch)$", re.IGNORECASE)
_SEQ = re.compile(r"^(seq|index|idx|n|id|sample|trel|t_?rel)$", re.IGNORECASE)
_GYRO = re.compile(r"^(g[xyz]|gyr.*|gyro.*|alpha|beta|gamma|rot.*)$", re.IGNORECASE)
# Channel names for a file without a header: an accelerometer, or an accelerometer + gyroscope.
_NAMES = {3: ["x", "y", "z"], 6: ["ax", "ay", "az", "gx", "gy", "gz"]}
_RATE = re.compile(r"(\d+(?:\.\d+)?)\s*hz", re.IGNORECASE)


def _data_files(folder: Path) -> list[Path]:
    suffixes = readers.TABLE_SUFFIXES + readers.JSON_SUFFIXES
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in suffixes)


def _q(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _list(items: list) -> str:
    return "[" + ", ".join(_q(x) if isinstance(x, str) else repr(x) for x in items) + "]"


def sniff(data_dir: Path) -> str:
    """The commented tinyfw.toml text for the dataset in `data_dir` (InputError if unusable)."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise InputError("not a folder", file=data_dir, field="--data")
    notes: list[str] = []
    keys: dict[str, object] = {}
    folders = sorted(p for p in data_dir.iterdir() if p.is_dir() and not p.name.startswith(".")
                     and _data_files(p))
    files = [f for d in folders for f in _data_files(d)] if folders else _data_files(data_dir)
    if not files:
        raise InputError("no .csv, .txt, .tsv or .json files here or in its subfolders",
                         file=data_dir, field="--data")
    is_json = files[0].suffix.lower() == ".json"
    keys["format"] = "edge_impulse" if is_json else "table"
    rate: float | None = None
    classes: list[str] = []
    if folders:
        keys["layout"] = "folder"
        classes = [d.name for d in folders]
        notes.append(f"layout: one subfolder per class ({len(classes)} subfolders)")
    units: list[str] = []
    if is_json:
        import json

        docs = [json.loads(f.read_text(encoding="utf-8-sig"))["payload"] for f in files[:50]]
        sensors = docs[0]["sensors"]
        columns = [s["name"] for s in sensors]
        keys["columns"] = columns
        values = np.concatenate([np.asarray(d["values"], dtype=np.float64).reshape(
            -1, len(columns)) for d in docs])
        rate = 1000.0 / float(docs[0]["interval_ms"])
        units = [readers.EI_UNITS.get(str(s.get("units", "")), "") for s in sensors]
        notes.append(f"rate: {rate:g} Hz from payload.interval_ms")
        if "" in units:
            notes.append("CONFIRM channel_units: some sensors have units tinyfw does not know")
        else:
            units = []  # read from the files
        lengths = [len(d["values"]) for d in docs]
    else:
        texts = [f.read_bytes().decode("utf-8-sig", errors="replace") for f in files[:50]]
        lines = re.split(r"\r\n|\r|\n", texts[0])
        delim = readers.sniff_delimiter(lines)
        first = readers.split_fields(next(s for s in lines if s.strip()), delim)
        header = first if not all(readers.is_number(s) for s in first) else None
        keys["delimiter"] = delim
        keys["header"] = "yes" if header else "no"
        notes.append(f"delimiter {delim!r}, {'a header row' if header else 'no header'} "
                     f"({files[0].name})")
        # blocks: runs of non-blank rows (a repeated header dropped), per file
        blocks: list[list[list[str]]] = []
        for text in texts:
            cur: list[list[str]] = []
            for s in re.split(r"\r\n|\r|\n", text):
                if not s.strip():
                    if cur:
                        blocks.append(cur)
                    cur = []
                    continue
                r = readers.split_fields(s, delim)
                if r != header:
                    cur.append(r)
            if cur:
                blocks.append(cur)
        inner_blank = len(blocks) > len(texts)
        if inner_blank:
            keys["split_file"] = "blank_lines"
            notes.append("recordings per file: separated by blank lines")
        body = [r for bl in blocks for r in bl]
        names = header or [str(j + 1) for j in range(len(first))]
        numeric = [j for j in range(len(names))
                   if all(j < len(r) and readers.is_number(r[j]) for r in body[:500])]
        label_j = next((j for j, n in enumerate(names) if header and _LABEL.match(n)), None)
        if label_j is None and not header and not folders and len(names) >= 4:
            last = [r[-1] for r in body]
            if all(re.fullmatch(r"\d+", v) for v in last) and len(set(last)) <= 32:
                label_j = len(names) - 1
        time_j = next((j for j, n in enumerate(names) if header and _TIME.match(n)), None)
        seq_j = {j for j, n in enumerate(names) if header and _SEQ.match(n)}
        if not header and label_j is not None and len(numeric) >= 5:
            seq_j.add(0)  # seq,x,y,z,label: a running number first
            notes.append("column 1 taken for a sequence number (CONFIRM)")
        chans = [j for j in numeric if j not in seq_j | {label_j, time_j}]
        if not chans:
            raise InputError("no numeric sensor columns found", file=files[0])
        columns = [names[j] for j in chans] if header else _NAMES.get(
            len(chans), [f"c{j + 1}" for j in chans])
        keys["columns"] = columns
        if not header:
            keys["source_columns"] = [str(j + 1) for j in chans]
        lengths = [len(bl) for bl in blocks]
        if label_j is not None and not folders:
            keys["layout"] = "label_column"
            keys["label_column"] = names[label_j]
            labels = [r[label_j] for r in body]
            classes = sorted(set(labels), key=lambda v: (len(v), v))
            lengths = [sum(1 for _ in g) for _, g in itertools.groupby(labels)]
            notes.append(f"layout: labels in column {names[label_j]!r}: {', '.join(classes)} "
                         "(CONFIRM: remove the labels that are not classes, e.g. 0)")
        values = np.asarray([[float(r[j]) for j in chans] for r in body])
        if time_j is not None:
            t = np.asarray([float(r[time_j]) for r in blocks[0]])
            step = float(np.median(np.diff(t)))
            unit = "ms" if step > 1 else "s"
            rate = 1.0 / (step * readers.TIME_TO_S[unit])
            keys["timestamp"] = names[time_j]
            keys["timestamp_unit"] = unit
            keys["resample"] = "linear"
            jitter = float(np.std(np.diff(t)) / step) if len(t) > 2 else 0.0
            notes.append(f"timestamp column {names[time_j]!r} in {unit} (CONFIRM): median "
                         f"rate {rate:.4g} Hz, step jitter {jitter:.0%}; recordings are "
                         "resampled (linear) to rate_hz")
            rate = float(round(rate))
        if (rate is None and inner_blank and len(set(lengths)) == 1 and lengths[0] == 119
                and [c.lower() for c in columns[:6]] == ["ax", "ay", "az", "gx", "gy", "gz"]):
            rate = 119.0
            notes.append("rate: 119 Hz, the rate of Arduino's IMU_Capture sketch (recordings "
                         "of 119 samples, aX..gZ) (CONFIRM)")
        units = _guess_units(columns, values, keys, notes)
    if rate is None:
        for f in files:
            m = _RATE.search(f.name)
            if m:
                rate = float(m.group(1))
                notes.append(f"rate: {rate:g} Hz from the file name {f.name}")
                break
    if rate is None:
        rate = 50.0
        notes.append("CONFIRM rate_hz: nothing in the data states it (50 Hz assumed)")
    keys["rate_hz"] = float(rate)
    if not classes:
        keys["layout"] = "file_name"
        stems = [re.split(r"[._\-\s\d]", f.name, maxsplit=1)[0] for f in files]
        pattern = r"^([A-Za-z]+)"
        if len(set(stems)) < 2:  # the class is elsewhere in the name: the longest word apart
            words = [re.findall(r"[A-Za-z][A-Za-z_]*", f.stem) for f in files]
            common = set.intersection(*(set(w) for w in words)) if words else set()
            varying = [[w for w in ws if w not in common] for ws in words]
            stems = [max(v, key=len) if v else "" for v in varying]
            pattern = r"[-_]([A-Za-z][A-Za-z_]*)[-_][^-_]*$" if all(stems) else pattern
            if all(stems):
                stems = [m.group(1) if (m := re.search(pattern, f.stem)) else "" for f in files]
        classes = sorted({s for s in stems if s})
        keys["class_pattern"] = pattern if not is_json else r"^([A-Za-z]+)\."
        notes.append(f"layout: class from the file name by {keys['class_pattern']!r}: "
                     f"{', '.join(classes)} (CONFIRM)")
    if len(classes) < 2:
        raise InputError(f"found {len(classes)} class ({', '.join(classes)}); a model needs at "
                         "least two (one subfolder or file-name word per class)", file=data_dir)
    keys["classes"] = classes
    if units:
        keys["channel_units"] = units
    peak = float(np.max(np.abs(readers.to_samples(values, _probe(keys), units or
                                                  ["m/s2"] * len(keys["columns"])))))
    top = min(32767, int(math.ceil(max(peak * 2, 1) / 1000.0) * 1000))
    keys["range"] = [-top, top]
    shortest = min(lengths)
    if "timestamp" in keys:
        shortest = int(shortest * 0.95)  # resampling may give a few samples less
    # At most half the shortest recording (training's time-warp replays recordings up to ~1.3
    # times faster) and a hop that cuts about 8 windows from the shortest recording.
    length = max(4, min(round(2 * rate), shortest // 2))
    hop = max(1, min(length // 4, (shortest - length) // 8))
    kind = {u: readers.SAMPLE_UNIT[u] for u in (units or ["m/s2"])}
    sample_units = ", ".join(dict.fromkeys(kind.values()))
    keys["units"] = sample_units
    keys["unit_scale"] = 0.001 if sample_units != "counts" else round(4.0 / max(peak, 1), 9)
    notes.append(f"window: {length} samples ({length / rate:.2f} s), hop {hop}; the shortest "
                 f"recording has about {shortest} samples")
    text = _render(data_dir, keys, notes, length, hop)
    parse_config(text)  # what we write must be a valid project file
    return text


def _probe(keys: dict) -> Config:
    """A Config good enough to run the readers' helpers during sniffing."""
    n = len(keys.get("columns", ["x"]))
    data = replace(DataConfig(), columns=tuple(keys.get("columns", ("x",))),
                   format=str(keys["format"]), channel_units=tuple(keys.get("channel_units", ())),
                   channel_offset=tuple(keys.get("channel_offset", ())),
                   channel_scale=tuple(keys.get("channel_scale", ())), range=(-32768, 32767))
    del n
    return Config(data=data, window=WindowConfig())


def _guess_units(columns: list[str], values: np.ndarray, keys: dict,
                 notes: list[str]) -> list[str]:
    gyro = [bool(_GYRO.match(c)) for c in columns]
    acc_j = [j for j, g in enumerate(gyro) if not g]
    units = ["counts"] * len(columns)
    integers = bool(np.all(values == np.round(values)))
    if acc_j:
        a = values[:, acc_j]
        if integers and a.min() >= 0:
            mid = float(2 ** math.ceil(math.log2(a.max() + 1)) / 2)
            keys["channel_offset"] = [mid]
            unit = "counts"
            notes.append(f"CONFIRM units: unsigned integer codes 0..{int(a.max())}: counts with "
                         f"offset {mid:g}; set channel_units = [\"g\"] and channel_scale to "
                         "g per code if you know the sensor's full scale")
        else:
            mag = float(np.median(np.linalg.norm(a, axis=1))) if a.shape[1] == 3 else float(
                np.median(np.abs(a)))
            unit = ("m/s2" if 4 < mag < 20 else "g" if 0.3 < mag < 3 else
                    "mg" if 300 < mag < 3000 else "counts")
            notes.append(f"CONFIRM units: accelerometer magnitude ~{mag:.3g}: guessed {unit}")
        for j in acc_j:
            units[j] = unit
    gyro_j = [j for j, g in enumerate(gyro) if g]
    if gyro_j:
        small = float(np.max(np.abs(values[:, gyro_j]))) < 20
        for j in gyro_j:
            units[j] = "rad/s" if small else "dps"
    if any(gyro):
        notes.append(f"CONFIRM units: gyroscope columns "
                     f"{', '.join(c for c, g in zip(columns, gyro) if g)} guessed "
                     f"{'/'.join(sorted({units[j] for j, g in enumerate(gyro) if g}))}")
    if len(set(units)) == 1:
        return [units[0]]
    return units


_ORDER = ["dir", "format", "layout", "class_pattern", "label_column", "split_file", "delimiter",
          "header", "source_columns", "timestamp", "timestamp_unit", "resample", "rate_hz",
          "columns", "channel_units", "channel_offset", "channel_scale", "units", "unit_scale",
          "range", "classes"]


def _render(data_dir: Path, keys: dict, notes: list[str], length: int, hop: int) -> str:
    keys = {"dir": str(data_dir), **keys}
    out = ["# tinyfw.toml written by `tinyfw init` from the data it found. What it inferred:"]
    out += [f"#   - {n}" for n in notes]
    out += ["# Check every line marked CONFIRM, then `tinyfw data` shows what the readers make",
            "# of the recordings; docs/CONFIG.md describes every key.", "", "[data]"]
    for k in _ORDER:
        if k in keys:
            v = keys[k]
            val = _q(v) if isinstance(v, str) else _list(v) if isinstance(v, list) else repr(v)
            out.append(f"{k} = {val}")
    out += ["", "[window]", f"length = {length}", f"hop = {hop}", ""]
    if len(keys["columns"]) != 3:
        out += ["[model]", "augment_rotation = false  # rotation needs three channels (x, y, z)",
                ""]
    out += ["[board]", 'id = "mps2_an386"', ""]
    return "\n".join(out)
