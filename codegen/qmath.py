"""Quantization arithmetic: the only place where float scales become integers.

Mirrors TFLite Micro's `QuantizeMultiplier` (tensorflow/lite/kernels/internal/quantization_util.cc)
and the double-rounding `MultiplyByQuantizedMultiplier` (common.h) exactly:
- `quantize_multiplier` uses frexp and rounds half away from zero (std::round), halves the
  multiplier and bumps the shift when it reaches 2^31, and flushes shifts below -31 to zero.
- `multiply_by_quantized_multiplier` = RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(
  x * 2^left, m), right), in int64 numpy so that it is exact for whole arrays.
The firmware's C twin is `firmware/kernels/tfw_qmath.h`.
"""

from __future__ import annotations

import math

import numpy as np

INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1


def round_half_away(x: float) -> int:
    """std::round: halves go away from zero (Python's round() goes to even)."""
    return math.floor(x + 0.5) if x >= 0 else -math.floor(-x + 0.5)


def quantize_multiplier(real: float) -> tuple[int, int]:
    """TFLM QuantizeMultiplier: real ~= m * 2^(shift - 31), m in [2^30, 2^31) or 0.

    Returns (multiplier, shift) with TFLM's sign convention: shift > 0 is a left shift.
    """
    if real == 0.0:
        return 0, 0
    q, shift = math.frexp(real)
    q_fixed = round_half_away(q * (1 << 31))
    if q_fixed > (1 << 31):
        raise ValueError(f"multiplier {real!r} cannot be quantized")
    if q_fixed == (1 << 31):
        q_fixed //= 2
        shift += 1
    if q_fixed > INT32_MAX:
        raise ValueError(f"multiplier {real!r} cannot be quantized")
    if shift < -31:
        shift = 0
        q_fixed = 0
    return int(q_fixed), int(shift)


def quantize_multiplier_smaller_than_one_exp(real: float) -> tuple[int, int]:
    """TFLM QuantizeMultiplierSmallerThanOneExp: requires 0 < real < 1; shift <= 0."""
    if not 0.0 < real < 1.0:
        raise ValueError(f"multiplier {real!r} must be in (0, 1)")
    m, shift = quantize_multiplier(real)
    if shift > 0:
        raise ValueError(f"multiplier {real!r} gave a positive shift")
    return m, shift


def wrap_int32(values: np.ndarray) -> np.ndarray:
    """Two's-complement wrap of int64 values into int32 (what int32 arithmetic does in C)."""
    v = np.asarray(values, dtype=np.int64)
    return ((v + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)


def f32(x: float) -> np.float32:
    """x as a C++ float (TFLM's Prepare computes several scale ratios in float32)."""
    return np.float32(x)


def saturating_rounding_doubling_high_mul(a: np.ndarray, b: np.ndarray | int) -> np.ndarray:
    """gemmlowp SaturatingRoundingDoublingHighMul on int32 values (as int64 arrays)."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    overflow = (a == b) & (a == INT32_MIN)
    ab = a * b
    nudge = np.where(ab >= 0, 1 << 30, 1 - (1 << 30))
    s = ab + nudge
    # C++ integer division truncates toward zero.
    q = np.where(s >= 0, s // (1 << 31), -((-s) // (1 << 31)))
    return np.where(overflow, INT32_MAX, q).astype(np.int64)


def rounding_divide_by_pot(x: np.ndarray, exponent: np.ndarray | int) -> np.ndarray:
    """gemmlowp RoundingDivideByPOT: round half away from zero, exponent in [0, 31]."""
    x = np.asarray(x, dtype=np.int64)
    exponent = np.asarray(exponent, dtype=np.int64)
    mask = (np.int64(1) << exponent) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (x < 0).astype(np.int64)
    return (x >> exponent) + (remainder > threshold).astype(np.int64)


def multiply_by_quantized_multiplier(
    x: np.ndarray | int, multiplier: np.ndarray | int, shift: np.ndarray | int
) -> np.ndarray:
    """TFLM MultiplyByQuantizedMultiplier (double rounding) for int32 x; returns int64 array."""
    x = np.asarray(x, dtype=np.int64)
    shift = np.asarray(shift, dtype=np.int64)
    left = np.where(shift > 0, shift, 0)
    right = np.where(shift > 0, 0, -shift)
    shifted = wrap_int32(x * (np.int64(1) << left))
    return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(shifted, multiplier), right)


def quantize_value(real: float, scale: float, zero_point: int, qmin: int = -128, qmax: int = 127) -> int:
    """TFLite's float -> int8 quantization of one constant: round half away, clamp."""
    q = round_half_away(real / scale) + zero_point
    return max(qmin, min(qmax, q))


def frexp_multiplier(real: float) -> tuple[int, int]:
    """TFLM LOGISTIC/TANH Prepare: q, shift = frexp(real); multiplier = round(q * 2^31).

    No 2^31 fix-up (TFLM has none there); raises if the mantissa rounds up to 2^31.
    """
    if real <= 0.0:
        raise ValueError(f"multiplier {real!r} must be positive")
    q, shift = math.frexp(real)
    m = round_half_away(q * (1 << 31))
    if m > INT32_MAX:
        raise ValueError(f"multiplier {real!r} cannot be quantized")
    return int(m), int(shift)


def downscale_int32_to_int16_multiplier(m: int) -> int:
    """TFLM DownScaleInt32ToInt16Multiplier: round an int32 Q31 multiplier to int16 Q15."""
    if m < 0:
        raise ValueError(f"multiplier {m} must be non-negative")
    if m >= INT32_MAX - (1 << 15):
        return 32767
    return (m + (1 << 15)) >> 16


def float32_bits(x: float) -> int:
    """The IEEE-754 bits of float32(x) as a signed int32 (how float constants reach C)."""
    return int(np.array([x], dtype="<f4").view("<i4")[0])


def quantize_value_f32(value: float, scale: float, zero_point: int, qmin: int = -128,
                       qmax: int = 127) -> int:
    """TFLM FloatToQuantizedType / Quantize: round(float32(value) / float32(scale)) computed in
    float32, plus the zero point, clamped."""
    q = round_half_away(float(np.float32(value) / np.float32(scale))) + zero_point
    return max(qmin, min(qmax, q))
