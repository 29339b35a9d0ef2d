"""`tinyfw data`: what the readers make of a dataset, before training on it.

Per class: recordings, samples, duration, measured rate (from timestamps or the Edge Impulse
interval; else the declared one), per channel the range and mean of the sensor samples, clipped
samples and gaps. Warnings: the same recording content under two classes, class names that
differ only in case, a class with too few recordings for the split, what reading left out.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tinyfw.config import Config

from .data import scan_dataset
from .split import split_counts


@dataclass
class ClassSummary:
    name: str
    recordings: int
    samples: int
    seconds: float
    rate_hz: list[float]  # min, max of the measured rates (the declared rate when unmeasured)
    minimum: list[int]
    maximum: list[int]
    mean: list[float]
    clipped: int
    gaps: int
    split: tuple[int, int, int]


@dataclass
class DataSummary:
    data_dir: str
    channels: list[str]
    units: str
    classes: list[ClassSummary]
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)

    def render(self) -> str:
        out = [(f"{self.data_dir}: {sum(c.recordings for c in self.classes)} recordings, "
               f"channels {', '.join(self.channels)} (sensor samples in {self.units})")]
        for c in self.classes:
            lo, hi = c.rate_hz
            rate = f"{lo:.4g} Hz" if abs(hi - lo) < 1e-9 else f"{lo:.4g}..{hi:.4g} Hz"
            out.append(f"  {c.name}: {c.recordings} recordings, {c.samples} samples, "
                       f"{c.seconds:.1f} s, measured {rate}, split train/val/test "
                       f"{c.split[0]}/{c.split[1]}/{c.split[2]}, clipped {c.clipped}, "
                       f"gaps {c.gaps}")
            for j, ch in enumerate(self.channels):
                out.append(f"    {ch}: range [{c.minimum[j]}, {c.maximum[j]}], "
                           f"mean {c.mean[j]:.1f}")
        out += [f"warning: {w}" for w in self.warnings]
        return "\n".join(out)


def summarize(data_dir: Path, config: Config) -> DataSummary:
    """Read the dataset as training would and describe it (InputError on unreadable data)."""
    d = config.data
    items, skipped = scan_dataset(data_dir, config)
    warnings: list[str] = []
    seen: dict[str, str] = {}
    for rec, _ in items:
        digest = hashlib.sha256(rec.samples.tobytes()).hexdigest()
        other = seen.setdefault(digest, rec.name)
        if other != rec.name and other.split("/")[0] != rec.class_name:
            warnings.append(f"the same recording content is in two classes: {other} and "
                            f"{rec.name}")
    lower: dict[str, str] = {}
    for c in d.classes:
        if c.lower() in lower:
            warnings.append(f"class names differ only in case: {lower[c.lower()]!r} and {c!r}")
        lower.setdefault(c.lower(), c)
    classes = []
    for c in d.classes:
        mine = [(r, p) for r, p in items if r.class_name == c]
        allsamples = np.concatenate([r.samples for r, _ in mine]).astype(np.int64)
        rates = [p.measured_rate_hz or d.rate_hz for _, p in mine]
        n = len(mine)
        split = split_counts(n, config.split.validation, config.split.test)
        if (config.split.test > 0 and split[2] == 0) or (
                config.split.validation > 0 and split[1] == 0):
            warnings.append(f"class {c!r} has {n} recording{'s' * (n != 1)}: too few for the "
                            f"split (train/validation/test {split[0]}/{split[1]}/{split[2]})")
        classes.append(ClassSummary(
            c, n, len(allsamples), len(allsamples) / d.rate_hz, [min(rates), max(rates)],
            allsamples.min(axis=0).tolist(), allsamples.max(axis=0).tolist(),
            [round(float(v), 3) for v in allsamples.mean(axis=0)],
            sum(p.clipped for _, p in mine), sum(p.gaps for _, p in mine), split))
        clipped = classes[-1].clipped
        if clipped:
            warnings.append(f"class {c!r}: {clipped} samples clipped to data.range "
                            f"{list(d.range)}")
    warnings += [f"left out: {s}" for s in skipped]
    return DataSummary(str(data_dir), list(d.columns), d.units, classes, warnings)
