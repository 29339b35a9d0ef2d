"""Post-processing semantics (model/postprocess.py), written out as small traces."""

from __future__ import annotations

import numpy as np
import pytest

from tinyfw.config import PostConfig
from tinyfw.model.postprocess import (
    PostParams,
    argmax_s8,
    postprocess_sequence,
    threshold_to_q,
)

SOFTMAX_SCALE, SOFTMAX_ZP = 1 / 256, -128


def one_hot(classes: list[int], n: int = 3, high: int = 100) -> np.ndarray:
    out = np.full((len(classes), n), -128, np.int8)
    out[np.arange(len(classes)), classes] = high
    return out


def activities(method: str, classes: list[int], vote: int = 3) -> list[int]:
    p = PostParams.from_config(PostConfig(method=method, vote=vote), 3, SOFTMAX_SCALE, SOFTMAX_ZP)
    return postprocess_sequence(p, one_hot(classes))[1].tolist()


def test_argmax_ties_go_to_the_lowest_index():
    assert argmax_s8(np.array([5, 9, 9, -1], np.int8)) == 1
    assert argmax_s8(np.array([-128, -128, -128], np.int8)) == 0


def test_argmax_method_reports_every_window_as_it_is():
    assert activities("argmax", [0, 2, 1, 1]) == [0, 2, 1, 1]


def test_vote_needs_a_strict_majority_of_the_last_windows_to_change():
    assert activities("vote", [0, 1, 1, 2, 2, 2, 0], vote=3) == [0, 0, 1, 1, 2, 2, 2]


def test_vote_is_defined_from_the_first_window_using_the_windows_seen_so_far():
    assert activities("vote", [2], vote=5) == [2]
    assert activities("vote", [2, 1, 1], vote=5) == [2, 2, 1]


def test_a_three_way_tie_keeps_the_previous_activity():
    assert activities("vote", [2, 0, 1, 0], vote=3) == [2, 2, 2, 0]


def test_a_tie_keeps_the_activity_even_when_it_has_no_vote_left():
    assert activities("vote", [0, 1, 2], vote=2) == [0, 0, 0]


def test_threshold_keeps_the_activity_until_a_window_is_confident_enough():
    p = PostParams("threshold", 3, 3, threshold_to_q(0.6, SOFTMAX_SCALE, SOFTMAX_ZP))
    out = np.array([[-128, 20, -120], [-128, 30, -120], [100, -128, -128], [-128, 0, 25]],
                   np.int8)
    cls, act = postprocess_sequence(p, out)
    assert cls.tolist() == [1, 1, 0, 2]
    assert act.tolist() == [-1, 1, 0, 0]  # 20 -> 0.578 < 0.6; 30 -> 0.617


@pytest.mark.parametrize(
    ("threshold", "q"),
    [(0.0, -128), (0.5, 0), (0.6, 26), (0.99609375, 127), (0.996, 127), (1.0, 128)],
)
def test_the_threshold_becomes_the_smallest_int8_value_that_reaches_it(threshold, q):
    assert threshold_to_q(threshold, SOFTMAX_SCALE, SOFTMAX_ZP) == q
    if q <= 127:
        assert (q - SOFTMAX_ZP) * SOFTMAX_SCALE >= threshold
    assert (q - 1 - SOFTMAX_ZP) * SOFTMAX_SCALE < threshold


def test_an_empty_trace_has_no_results():
    p = PostParams("vote", 3, 3, 0)
    cls, act = postprocess_sequence(p, np.zeros((0, 3), np.int8))
    assert len(cls) == len(act) == 0
