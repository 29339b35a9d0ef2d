"""The integer preprocessing specification (model/preprocess.py)."""

from __future__ import annotations

import numpy as np
import pytest

from tinyfw.model.data import read_trace_csv
from tinyfw.model.preprocess import (
    PRE_SHIFT,
    PreprocessParams,
    float_window,
    preprocess_window,
    window_means,
)
from tinyfw.paths import BENCH, EXAMPLE_DATA


def params(input_scale: float, zero_point: int = 0, *, length: int = 52, channels: int = 3,
           center: bool = True, unit_scale: float = 1e-3) -> PreprocessParams:
    return PreprocessParams.from_quantization(
        unit_scale=unit_scale, input_scale=input_scale, input_zero_point=zero_point,
        length=length, channels=channels, center=center,
    )


def test_window_means_round_halves_away_from_zero():
    w = np.array([[[1], [2]], [[-1], [-2]], [[1], [1]], [[0], [-1]], [[2], [3]]], np.int16)
    assert window_means(w).ravel().tolist() == [2, -2, 1, -1, 3]
    w3 = np.array([[[1], [1], [2]], [[-1], [-1], [-2]]], np.int16)  # 4/3 and -4/3
    assert window_means(w3).ravel().tolist() == [1, -1]


def test_centering_subtracts_each_channels_integer_mean():
    raw = np.array([[1000, -5, 7], [1002, -6, 7], [1004, -6, 8]], np.int16)
    x = float_window(raw, 1e-3, center=True)
    np.testing.assert_allclose(x, [[-0.002, 0.001, 0], [0, 0, 0], [0.002, 0, 0.001]], atol=1e-7)
    np.testing.assert_allclose(float_window(raw, 1e-3, center=False), raw * 1e-3, rtol=1e-6)


def test_int8_values_equal_float_rounding_for_every_count_at_random_scales():
    """q == round_half_away(d * unit_scale / input_scale) + zp for all |d| <= 65535 (outside
    the clamp): the 2^15 pre-shift removes double-rounding errors."""
    rng = np.random.default_rng(11)
    d = np.arange(-65535, 65536, dtype=np.int64)
    for _ in range(20):
        input_scale = float(np.float32(10 ** rng.uniform(-3, -0.5)))
        unit_scale = float(10 ** rng.uniform(-4, -2))
        p = params(input_scale, unit_scale=unit_scale, length=1, channels=1, center=False)
        zp = int(rng.integers(-20, 20))
        p = PreprocessParams(p.multiplier, p.shift, zp, 1, 1, False)
        v = d * (unit_scale / input_scale)
        ideal = np.where(v >= 0, np.floor(v + 0.5), -np.floor(-v + 0.5)) + zp
        got = preprocess_window(d.reshape(-1, 1, 1), p).ravel()
        inside = (ideal >= -128) & (ideal <= 127)
        np.testing.assert_array_equal(got[inside], ideal[inside])
        assert (got[ideal > 127] == 127).all() and (got[ideal < -128] == -128).all()


def test_uncentered_preprocessing_reproduces_the_benchmark_input_window_exactly():
    """bench/har_anchor_input.csv: the first window of walking_06 at the anchor's input scale."""
    trace = EXAMPLE_DATA / "walking/walking_06_26Hz_4g_mg.csv"
    expected_csv = BENCH / "har_anchor_input.csv"
    if not trace.exists() or not expected_csv.exists():
        pytest.fail("the example data is missing (data/st-har)")
    raw = read_trace_csv(trace, 3, (-4000, 4000))[:52]
    expected = np.loadtxt(expected_csv, delimiter=",", dtype=np.int64).reshape(52, 3)
    got = preprocess_window(raw, params(0.03134901821613312, center=False))
    np.testing.assert_array_equal(got, expected)


def test_batches_of_windows_give_the_same_values_as_single_windows():
    rng = np.random.default_rng(3)
    raw = rng.integers(-4000, 4001, size=(5, 52, 3)).astype(np.int16)
    p = params(0.02, -7)
    batch = preprocess_window(raw, p)
    assert batch.dtype == np.int8 and batch.shape == raw.shape
    for w, q in zip(raw, batch, strict=True):
        np.testing.assert_array_equal(preprocess_window(w, p), q)


def test_params_hold_a_q31_multiplier_and_a_right_shift():
    p = params(0.03134901821613312)
    assert 2**30 <= p.multiplier < 2**31
    assert -31 <= p.shift <= 0 and p.shift == -4 - PRE_SHIFT


def test_unusable_scales_and_shapes_are_refused():
    with pytest.raises(ValueError, match="outside"):
        params(1e-3 / 2**16)  # one int8 step would be 1/65536 of a count
    with pytest.raises(ValueError, match="outside"):
        params(1e-3 * 2**18)
    with pytest.raises(ValueError, match="zero point"):
        params(0.02, 128)
    with pytest.raises(ValueError, match="does not match"):
        preprocess_window(np.zeros((51, 3), np.int16), params(0.02))
