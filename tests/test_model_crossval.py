"""Cross-validation folds: by recording, stratified per class, seeded (the CV run itself is too
slow for CI and is run by hand: python -m tinyfw.model.crossval)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tinyfw.config import Config
from tinyfw.model.crossval import fold_of, with_overrides
from tinyfw.model.data import Recording


def recordings(counts: dict[int, int]) -> list[Recording]:
    return [
        Recording(Path(f"c{label}/r{i:02d}.csv"), label, f"c{label}", np.zeros((1, 3), np.int16))
        for label, n in counts.items()
        for i in range(n)
    ]


def test_every_fold_holds_a_share_of_every_class():
    recs = recordings({0: 29, 1: 31, 2: 14})
    fold = fold_of(recs, 5, seed=0)
    for label, n in {0: 29, 1: 31, 2: 14}.items():
        per_fold = np.bincount(fold[[r.label == label for r in recs]], minlength=5)
        assert per_fold.sum() == n and per_fold.max() - per_fold.min() <= 1


def test_folds_are_seeded():
    recs = recordings({0: 10, 1: 12})
    np.testing.assert_array_equal(fold_of(recs, 5, seed=3), fold_of(recs, 5, seed=3))
    assert (fold_of(recs, 5, seed=3) != fold_of(recs, 5, seed=4)).any()


def test_settings_can_be_overridden_for_one_run():
    cfg = with_overrides(
        Config(),
        ["window.length=78", "model.filters=[4, 8]", "post.method=argmax", "model.learning_rate=1"],
    )
    assert cfg.window.length == 78 and cfg.model.filters == (4, 8)
    assert cfg.post.method == "argmax" and cfg.model.learning_rate == 1.0
