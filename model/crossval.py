"""k-fold cross-validation by recording: an honest estimate for choosing hyperparameters.

The test split holds only a few recordings per class; cross-validation scores every recording
once as held-out data. Folds are stratified: per class, the recordings (file-name order) are
shuffled with `np.random.default_rng(seed)` and dealt round-robin to the folds. Each fold trains
on all other recordings (no validation set, so `auto` switches are on: the settings train
tries first; `--set` them to compare), converts to int8 and scores float, int8 (TFLM) and
post-processed accuracy on its held-out recordings. Too slow for CI; run it by hand:

    tinyfw [--project DIR] crossval [--folds 5] [--set window.length=78]

`--set` overrides a project setting for this run only (not validated like tinyfw.toml).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from tinyfw.config import Config
from tinyfw.fileio import atomic_write_text, check_output_file

from . import choose
from .data import Recording, load_dataset
from .quantize import to_int8_tflite
from .train import Log, Scores, fit_model, representative_windows, score, window_set


def fold_of(recordings: list[Recording], folds: int, seed: int) -> np.ndarray:
    """Fold index of every recording (stratified per class, seeded)."""
    rng = np.random.default_rng(seed)
    fold = np.zeros(len(recordings), np.int64)
    for label in sorted({r.label for r in recordings}):
        idx = [i for i, r in enumerate(recordings) if r.label == label]
        idx.sort(key=lambda i: recordings[i].path.name)
        for k, i in enumerate(rng.permutation(idx)):
            fold[i] = k % folds
    return fold


@dataclass(frozen=True)
class CrossValidation:
    folds: list[Scores]
    float_accuracy: float  # pooled over all held-out windows
    int8_accuracy: float
    post_accuracy: float
    windows: int


def cross_validate(
    config: Config, data_dir: Path, *, folds: int = 5, seed: int = 0, log: Log = print
) -> CrossValidation:
    """Train and score one model per fold; accuracies pooled over every held-out window."""
    recordings = load_dataset(Path(data_dir), config)
    fold = fold_of(recordings, folds, seed)
    settings = choose.candidates(config)[0]  # no validation set: `auto` switches on
    scores = []
    for k in range(folds):
        train_recordings = [r for r, f in zip(recordings, fold, strict=True) if f != k]
        train = window_set(train_recordings, config)
        held = window_set([r for r, f in zip(recordings, fold, strict=True) if f == k], config)
        model = fit_model(config, train_recordings, settings=settings, log=lambda _: None)
        tflite = to_int8_tflite(model, representative_windows(train, config, center=settings.center))
        s = score(model, tflite, held, config, center=settings.center)
        scores.append(s)
        log(
            f"fold {k + 1}/{folds}: float {s.float_accuracy:.4f} int8 {s.int8_accuracy:.4f} "
            f"post {s.post_accuracy:.4f} ({s.windows} windows)"
        )
    n = sum(s.windows for s in scores)

    def pooled(name: str) -> float:
        return sum(getattr(s, name) * s.windows for s in scores) / n

    return CrossValidation(
        scores, pooled("float_accuracy"), pooled("int8_accuracy"), pooled("post_accuracy"), n
    )


def with_overrides(config: Config, assignments: list[str]) -> Config:
    """Apply `section.key=value` overrides (JSON values: 78, [16, 32], false, "vote")."""
    for a in assignments:
        key, _, text = a.partition("=")
        section, _, name = key.strip().partition(".")
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            value = text  # a bare string
        old = getattr(getattr(config, section), name)
        if isinstance(old, tuple):
            value = tuple(value)
        elif isinstance(old, float):
            value = float(value)
        config = replace(config, **{section: replace(getattr(config, section), **{name: value})})
    return config


def run_crossval(config: Config, data_dir: Path, *, folds: int, seed: int,
                 json_path: Path | None) -> int:
    """`tinyfw crossval`: cross-validate, print the scores, write them to `json_path`."""
    if json_path:  # a result that cannot be written stops it before the folds are trained
        check_output_file(json_path)
    cv = cross_validate(config, data_dir, folds=folds, seed=seed)
    print(
        f"cross-validation ({folds} folds, {cv.windows} windows): "
        f"float {cv.float_accuracy:.4f} int8 {cv.int8_accuracy:.4f} "
        f"int8 + {config.post.method} {cv.post_accuracy:.4f}"
    )
    if json_path:
        atomic_write_text(json_path, json.dumps(asdict(cv), indent=2) + "\n")
    return 0
