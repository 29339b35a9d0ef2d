"""The build summary (`build/summary.json`) and what changed since the previous one.

The summary gathers, for one board, what a retrain can change: accuracy per class and confusion
matrices (float and int8 from the training report, firmware from the simulation), model bytes,
ops, MACs, flash, RAM and instructions per inference. `tinyfw all` writes it after every run and
keeps the one before as `build/summary.prev.json` when the model or the firmware changed;
`tinyfw diff` compares the two.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from tinyfw import fileio
from tinyfw.errors import InputError

FORMAT = 1
SUMMARY = Path("build") / "summary.json"
PREVIOUS = Path("build") / "summary.prev.json"


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError:
        raise InputError(f"no {what} here", file=path) from None
    except ValueError as e:
        raise InputError(f"not valid JSON ({e})", file=path) from None


def firmware_confusion(sim: dict[str, Any], n_classes: int) -> list[list[int]] | None:
    """Rows: true class; columns: firmware activity per window (the last column: undefined)."""
    cm = [[0] * (n_classes + 1) for _ in range(n_classes)]
    for r in sim.get("recordings", []):
        counts = r.get("activity_counts")
        if not counts or len(counts) != n_classes + 1:
            return None
        for j, n in enumerate(counts):
            cm[r["label"]][j] += n
    return cm


def _per_class(cm: list[list[int]]) -> list[float]:
    return [round(row[i] / sum(row), 6) if sum(row) else 0.0 for i, row in enumerate(cm)]


def build_summary(root: Path, sim_report: Path) -> dict[str, Any]:
    """The summary of the project's current model (build/model/report.json), generated
    firmware (firmware/generated/model.json) and simulation report."""
    train = _read_json(root / "build" / "model" / "report.json", "training report")
    model = _read_json(root / "firmware" / "generated" / "model.json", "generated model")
    sim = _read_json(sim_report, "simulation report")
    classes = list(train["classes"])
    test = train["test"]
    confusion = {"float": test["float_confusion"], "int8": test["int8_confusion"],
                 "post": test["post_confusion"]}
    fw = firmware_confusion(sim, len(classes))
    if fw is not None:
        confusion["firmware"] = fw
    per_class = {k: dict(zip(classes, _per_class(cm), strict=False)) for k, cm in confusion.items()}
    return {
        "format": FORMAT,
        "board": sim["board"],
        "model_sha256": model["model_sha256"],
        "classes": classes,
        "accuracy": {"float": train["float_accuracy"], "int8": train["int8_accuracy"],
                     "post": train["post_accuracy"], "firmware": sim["firmware_accuracy"]},
        "per_class": per_class,
        "confusion": confusion,
        "model_bytes": model["tflite_bytes"],
        "macs": model["macs"],
        "weight_bytes": model["const_bytes"],
        "arena_bytes": model["arena_bytes"],
        "ops": [op["opcode"] for op in model["ops"]],
        "flash_bytes": sim["flash_bytes"],
        "ram_bytes": sim["ram_bytes"],
        "instructions_per_inference": sim["instructions_per_inference"],
        "windows": sim["windows"],
        "equivalent_windows": sim["equivalent_windows"],
    }


def record(root: Path, summary: dict[str, Any]) -> dict[str, Any] | None:
    """Write the summary; the one it replaces, if different, is kept as summary.prev.json and
    returned (to say what changed); None when nothing changed or there was none."""
    path, prev_path = root / SUMMARY, root / PREVIOUS
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        old = None
    if old == summary:
        return None
    if old is not None:
        fileio.atomic_write_text(prev_path, json.dumps(old, indent=1) + "\n")
    fileio.atomic_write_text(path, json.dumps(summary, indent=1) + "\n")
    return old


def sim_report(path: Path) -> Any:
    """A simulation report JSON back as a SimReport (for its summary lines and verdict)."""
    from dataclasses import fields

    from tinyfw.sim.simulate import RecordingResult, SimReport

    d = _read_json(path, "simulation report")
    names = {f.name for f in fields(RecordingResult)}
    try:
        recs = [RecordingResult(**{k: v for k, v in r.items() if k in names})
                for r in d["recordings"]]
        return SimReport(board=d["board"], model_sha256=d["model_sha256"],
                         data_dir=d["data_dir"], split=d["split"], recordings=recs,
                         flash_bytes=d["flash_bytes"], static_ram_bytes=d["static_ram_bytes"],
                         stack_bytes=d["stack_bytes"], arena_bytes=d["arena_bytes"])
    except (KeyError, TypeError) as e:
        raise InputError(f"not a simulation report (missing {e})", file=path) from None


def _num(old: Any, new: Any, unit: str = "", pct: bool = False) -> str | None:
    if old == new or old is None or new is None:
        return None
    d = new - old
    if pct:
        return f"{100 * old:.2f} % -> {100 * new:.2f} % ({100 * d:+.2f} points)"
    rel = f", {100 * d / old:+.1f} %" if old else ""
    return f"{old}{unit} -> {new}{unit} ({d:+d}{unit}{rel})" if isinstance(d, int) else \
        f"{old}{unit} -> {new}{unit}"


def diff(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What changed from `old` to `new`, one line per fact (empty: nothing)."""
    lines: list[str] = []
    if old.get("model_sha256") != new.get("model_sha256"):
        lines.append(f"model {str(old.get('model_sha256'))[:12]} -> "
                     f"{str(new.get('model_sha256'))[:12]}")
    if old.get("board") != new.get("board"):
        lines.append(f"board {old.get('board')} -> {new.get('board')}")
    for kind in ("float", "int8", "post", "firmware"):
        line = _num(old.get("accuracy", {}).get(kind), new.get("accuracy", {}).get(kind), pct=True)
        if line:
            lines.append(f"{kind} accuracy {line}")
        o, n = old.get("per_class", {}).get(kind, {}), new.get("per_class", {}).get(kind, {})
        for cls in n:
            line = _num(o.get(cls), n.get(cls), pct=True)
            if line:
                lines.append(f"  {kind} accuracy of {cls}: {line}")
    classes = new.get("classes", [])
    for kind in ("int8", "firmware"):
        o, n = old.get("confusion", {}).get(kind), new.get("confusion", {}).get(kind)
        if not o or not n or len(o) != len(n) or old.get("classes") != classes:
            continue
        cols = [*classes, "undefined"]
        for i, (ro, rn) in enumerate(zip(o, n, strict=True)):
            for j, (a, b) in enumerate(zip(ro, rn, strict=False)):
                if a != b and i != j:
                    lines.append(f"  {kind} confusion: {classes[i]} taken for {cols[j]} "
                                 f"{a} -> {b} windows")
    for key, label, unit in (("model_bytes", "model", " B"), ("weight_bytes", "weights", " B"),
                             ("macs", "MACs", ""), ("arena_bytes", "arena", " B"),
                             ("flash_bytes", "flash", " B"), ("ram_bytes", "RAM", " B"),
                             ("instructions_per_inference", "instructions per inference", "")):
        line = _num(old.get(key), new.get(key), unit)
        if line:
            lines.append(f"{label} {line}")
    before, after = Counter(old.get("ops", [])), Counter(new.get("ops", []))
    added, removed = after - before, before - after
    if added:
        lines.append("ops added: " + ", ".join(f"{k} x{v}" for k, v in sorted(added.items())))
    if removed:
        lines.append("ops removed: " + ", ".join(f"{k} x{v}" for k, v in sorted(removed.items())))
    return lines


def diff_files(old_path: Path, new_path: Path) -> list[str]:
    return diff(_read_json(old_path, "summary"), _read_json(new_path, "summary"))
