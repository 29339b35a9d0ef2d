"""Splitting `tinyfw simulate` over CI jobs, and one verdict from their reports.

`--shard i/N` keeps every N-th recording starting at the i-th (1-based) of the selected
recordings in their load order (class, then file name): deterministic, balanced to one
recording, and the N shards together are exactly the unsharded run. `tinyfw merge-reports`
reads the shards' JSON reports (any boards), refuses reports of different models, of
different firmware for one board, of overlapping or inconsistent shards, and says PASS only
when every board's shards are all there and every one of them passed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, TypeVar

from tinyfw.errors import InputError

T = TypeVar("T")

_SHARD = re.compile(r"([1-9][0-9]*)/([1-9][0-9]*)")


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def select(self, items: Sequence[T]) -> list[T]:
        """Every count-th item, starting at item index - 1."""
        return list(items[self.index - 1 :: self.count])


def parse_shard(text: str) -> Shard:
    """`i/N` with 1 <= i <= N, e.g. `2/4`."""
    m = _SHARD.fullmatch(text.strip())
    if m is None or not 1 <= int(m[1]) <= int(m[2]):
        raise InputError(f"{text!r}: expected i/N with 1 <= i <= N (e.g. 2/4)", field="--shard")
    return Shard(int(m[1]), int(m[2]))


@dataclass
class BoardVerdict:
    board: str
    shards: int
    report: Any  # SimReport of the board's shards merged
    missing: list[int]

    @property
    def ok(self) -> bool:
        return not self.missing and self.report.ok


@dataclass
class Merged:
    model_sha256: str
    boards: list[BoardVerdict]

    @property
    def ok(self) -> bool:
        return bool(self.boards) and all(b.ok for b in self.boards)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "model_sha256": self.model_sha256,
            "boards": [
                {
                    "board": b.board,
                    "ok": b.ok,
                    "shards": b.shards,
                    "missing_shards": b.missing,
                    **b.report.to_json(),
                }
                for b in self.boards
            ],
        }

    def summary(self) -> str:
        lines = []
        for b in self.boards:
            r = b.report
            lines.append(
                f"board {b.board}: {b.shards} shard(s), {len(r.recordings)} recordings, "
                f"{r.windows} windows, {r.equivalent_windows} equivalent, firmware accuracy "
                f"{r.firmware_accuracy:.4f}: {'PASS' if b.ok else 'FAIL'}"
            )
            for i in b.missing:
                lines.append(f"  MISSING shard {i}/{b.shards}")
            for rec in r.recordings:
                if rec.first_mismatch or rec.exit_code != 0:
                    lines.append(
                        f"  MISMATCH {rec.name}: exit {rec.exit_code}; {rec.first_mismatch}"
                    )
        lines.append("PASS" if self.ok else "FAIL")
        return "\n".join(lines)


_REQUIRED = ("board", "model_sha256", "firmware_sha256", "recordings", "flash_bytes",
             "static_ram_bytes", "stack_bytes", "arena_bytes")


def _load(path: Path) -> dict[str, Any]:
    try:
        d = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise InputError(f"cannot read the report: {e.strerror or e}", file=path) from None
    except ValueError as e:
        raise InputError(f"not a JSON report: {e}", file=path) from None
    if not isinstance(d, dict):
        raise InputError("not a `tinyfw simulate --json` report (not an object)", file=path)
    for key in _REQUIRED:
        if key not in d:
            raise InputError("not a `tinyfw simulate --json` report (missing)", file=path,
                             field=key)
    return d


def _report(d: dict[str, Any], path: Path) -> Any:
    from tinyfw.sim.simulate import RecordingResult, SimReport

    names = {f.name for f in fields(RecordingResult)}
    recs = []
    if not isinstance(d["recordings"], list):
        raise InputError("expected a list", file=path, field="recordings")
    for i, r in enumerate(d["recordings"]):
        if not isinstance(r, dict):
            raise InputError("not a recording result", file=path, field=f"recordings[{i}]")
        if set(r) != names:
            odd = sorted(names - set(r)) + sorted(set(r) - names)
            raise InputError(f"not a recording result of this tinyfw (fields {', '.join(odd)}"
                             "; rerun the shard)", file=path, field=f"recordings[{i}]")
        recs.append(RecordingResult(**r))
    return SimReport(
        board=d["board"], model_sha256=d["model_sha256"], data_dir=d.get("data_dir", ""),
        split=d.get("split", ""), recordings=recs, flash_bytes=d["flash_bytes"],
        static_ram_bytes=d["static_ram_bytes"], stack_bytes=d["stack_bytes"],
        arena_bytes=d["arena_bytes"], extra={"firmware_sha256": d["firmware_sha256"]},
    )


def merge_reports(paths: Sequence[Path]) -> Merged:
    """One verdict from `tinyfw simulate --json` reports (InputError for reports that do not
    belong together, naming the file and field)."""
    if not paths:
        raise InputError("no reports to merge", field="reports")
    loaded = [(Path(p), _load(Path(p))) for p in paths]
    first_path, first = loaded[0]
    by_board: dict[str, list[tuple[Path, dict[str, Any]]]] = {}
    for path, d in loaded:
        if d["model_sha256"] != first["model_sha256"]:
            raise InputError(
                f"another model ({d['model_sha256'][:12]}) than {first_path} "
                f"({first['model_sha256'][:12]})", file=path, field="model_sha256")
        by_board.setdefault(str(d["board"]), []).append((path, d))
    verdicts = []
    for board, items in sorted(by_board.items()):
        p0, d0 = items[0]
        count = _shard(d0, p0).count
        seen: dict[int, Path] = {}
        names: dict[str, Path] = {}
        recs = []
        for path, d in items:
            if d["firmware_sha256"] != d0["firmware_sha256"]:
                raise InputError(f"another firmware for board {board} than {p0}", file=path,
                                 field="firmware_sha256")
            for key in ("data_dir", "split", "recordings_total"):
                if d.get(key) != d0.get(key):
                    raise InputError(f"{d.get(key)!r} differs from {p0} ({d0.get(key)!r})",
                                     file=path, field=key)
            shard = _shard(d, path)
            if shard.count != count:
                raise InputError(f"shard {shard} does not match {p0} (of {count})", file=path,
                                 field="shard")
            if shard.index in seen:
                raise InputError(f"shard {shard} of board {board} is also {seen[shard.index]}",
                                 file=path, field="shard")
            seen[shard.index] = path
            report = _report(d, path)
            for r in report.recordings:
                if r.name in names:
                    raise InputError(f"recording {r.name!r} is also in {names[r.name]}",
                                     file=path, field="recordings")
                names[r.name] = path
            recs.extend(report.recordings)
        merged = _report(d0, p0)
        merged.recordings = recs
        merged.stack_bytes = max(int(d["stack_bytes"]) for _, d in items)
        verdicts.append(BoardVerdict(board, count, merged,
                                     [i for i in range(1, count + 1) if i not in seen]))
    return Merged(first["model_sha256"], verdicts)


def _shard(d: dict[str, Any], path: Path) -> Shard:
    text = d.get("shard", "1/1")
    if not isinstance(text, str):
        raise InputError("expected i/N", file=path, field="shard")
    try:
        return parse_shard(text)
    except InputError:
        raise InputError(f"{text!r}: expected i/N", file=path, field="shard") from None
