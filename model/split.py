"""Train / validation / test split by recording (never by window), stratified per class.

For each class (in `data.classes` order) the recordings, in file-name order, are shuffled with
`np.random.default_rng(split.seed)` (one generator for the whole split, so the result depends
only on the recordings and the seed). The first `round(test * n)` go to test, the next
`round(validation * n)` to validation, the rest to training (`round` is half up). A class with
at least 3 recordings gets at least one in every split whose fraction is above zero and keeps
at least one for training; with 2 recordings one trains and one tests (if test > 0); a single
recording only trains.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tinyfw.config import Config, SplitConfig

from .data import Recording, load_dataset


@dataclass(frozen=True)
class Split:
    train: list[Recording]
    validation: list[Recording]
    test: list[Recording]

    def listing(self) -> dict[str, list[str]]:
        """Recording names (`class/file.csv`) per split, for reports."""
        return {
            "train": [r.name for r in self.train],
            "validation": [r.name for r in self.validation],
            "test": [r.name for r in self.test],
        }


def _share(fraction: float, n: int) -> int:
    return math.floor(fraction * n + 0.5)


def split_counts(n: int, validation: float, test: float) -> tuple[int, int, int]:
    """(train, validation, test) recording counts for a class with `n` recordings."""
    if n <= 1:
        return n, 0, 0
    if n == 2:
        return (1, 0, 1) if test > 0 else (1, 1, 0) if validation > 0 else (2, 0, 0)
    n_test = max(_share(test, n), 1 if test > 0 else 0)
    n_val = max(_share(validation, n), 1 if validation > 0 else 0)
    n_test = min(n_test, n - 2 if validation > 0 else n - 1)
    n_val = min(n_val, n - 1 - n_test)
    return n - n_val - n_test, n_val, n_test


def split_recordings(recordings: list[Recording], split: SplitConfig) -> Split:
    """Split recordings per class; deterministic for the same recordings and `split.seed`."""
    rng = np.random.default_rng(split.seed)
    train: list[Recording] = []
    val: list[Recording] = []
    test: list[Recording] = []
    for label in sorted({r.label for r in recordings}):
        group = sorted((r for r in recordings if r.label == label), key=lambda r: r.path.name)
        order = rng.permutation(len(group))
        _, n_val, n_test = split_counts(len(group), split.validation, split.test)
        shuffled = [group[i] for i in order]
        test += shuffled[:n_test]
        val += shuffled[n_test : n_test + n_val]
        train += shuffled[n_test + n_val :]

    def key(r: Recording) -> tuple[int, str]:
        return r.label, r.path.name

    return Split(sorted(train, key=key), sorted(val, key=key), sorted(test, key=key))


def held_out_recordings(data_dir: Path, config: Config) -> list[Recording]:
    """The held-out test recordings (what the demo and the simulator replay)."""
    return split_recordings(load_dataset(data_dir, config), config.split).test
