"""Windows are exactly the firmware's; the split is by recording, stratified and seeded."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tinyfw.config import SplitConfig
from tinyfw.model.data import Recording
from tinyfw.model.split import split_counts, split_recordings
from tinyfw.model.windows import make_windows, window_starts


def test_windows_start_every_hop_and_drop_the_trailing_partial_window():
    samples = np.arange(30, dtype=np.int16).reshape(10, 3)
    windows, starts = make_windows(samples, 4, 3)
    assert starts.tolist() == [0, 3, 6]  # a window at 9 would need frames 9..12
    assert windows.shape == (3, 4, 3) and windows.dtype == np.int16
    np.testing.assert_array_equal(windows[1], samples[3:7])


def test_a_trace_of_exactly_one_window_has_one_window_and_a_shorter_one_none():
    assert window_starts(52, 52, 13).tolist() == [0]
    assert window_starts(51, 52, 13).tolist() == []


def recordings(counts: dict[int, int]) -> list[Recording]:
    return [
        Recording(Path(f"c{label}/r{i:02d}.csv"), label, f"c{label}", np.zeros((1, 3), np.int16))
        for label, n in counts.items()
        for i in range(n)
    ]


def test_the_split_is_by_recording_stratified_and_covers_every_recording_once():
    recs = recordings({0: 29, 1: 31, 2: 14})
    s = split_recordings(recs, SplitConfig(validation=0.15, test=0.2, seed=7))
    names = [r.name for part in (s.train, s.validation, s.test) for r in part]
    assert sorted(names) == sorted(r.name for r in recs)
    for label, (n_val, n_test) in {0: (4, 6), 1: (5, 6), 2: (2, 3)}.items():
        assert sum(r.label == label for r in s.validation) == n_val
        assert sum(r.label == label for r in s.test) == n_test


def test_the_same_seed_gives_the_same_split_and_another_seed_another():
    recs = recordings({0: 10, 1: 10})
    a = split_recordings(recs, SplitConfig(seed=1)).listing()
    assert a == split_recordings(list(reversed(recs)), SplitConfig(seed=1)).listing()
    assert a != split_recordings(recs, SplitConfig(seed=2)).listing()


@pytest.mark.parametrize("n", range(3, 12))
def test_a_class_with_three_or_more_recordings_is_in_every_split(n: int):
    train, val, test = split_counts(n, 0.15, 0.2)
    assert min(train, val, test) >= 1 and train + val + test == n
    assert split_counts(n, 0.45, 0.44)[0] >= 1


def test_small_classes_train_first_then_test():
    assert split_counts(1, 0.15, 0.2) == (1, 0, 0)
    assert split_counts(2, 0.15, 0.2) == (1, 0, 1)
    assert split_counts(5, 0.0, 0.2) == (4, 0, 1)
