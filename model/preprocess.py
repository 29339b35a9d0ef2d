"""Integer preprocessing: one window of raw int16 counts -> the model's int8 input.

Defined once here and mirrored bit for bit by `firmware/app/preprocess.c` (`tfw_preprocess`).
For a window `raw[t][c]` of `length` frames and `channels` channels:

1. if `center`: per channel, `mean[c] = round_half_away_from_zero(sum_t raw[t][c] / length)`
   (exact integer arithmetic), and `d[t][c] = raw[t][c] - mean[c]`; else `d = raw`.
   Centering removes gravity and sensor offset: the model sees motion, not orientation.
2. `q[t][c] = clamp(MultiplyByQuantizedMultiplier(d[t][c] * 2^15, multiplier, shift)
   + zero_point, -128, 127)` where `(multiplier, s) = quantize_multiplier(unit_scale /
   input_scale)` and `shift = s - 15` (TFLM's double-rounding fixed-point multiply; `shift` is
   then always <= 0, a right shift).

Why `* 2^15`: |d| <= 65535, so `d * 2^15` still fits int32, and the high multiply keeps 15 more
bits; without it the double rounding is off by one LSB for ~1 value in 50 at typical scales.
With it, q equals `round_half_away(d * unit_scale / input_scale) + zero_point` (what TFLite's
float QUANTIZE gives), e.g. it reproduces the benchmark's int8 input window exactly.

The float model sees `d * unit_scale` (`float_window`): the same centering, no rounding to int8.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyfw.codegen.qmath import multiply_by_quantized_multiplier, quantize_multiplier
from tinyfw.config import Config

# d is multiplied by 2^PRE_SHIFT before the fixed-point multiply: |d| <= 65535 < 2^16.
PRE_SHIFT = 15

# tinyfw centers every window (measured to help on held-out recordings; see docs in the report).
CENTER = True


@dataclass(frozen=True)
class PreprocessParams:
    """Everything `tfw_preprocess` needs; all integers (computed at generation time).

    multiplier: Q31 fixed-point multiplier in [2^30, 2^31), from unit_scale / input_scale.
    shift: applied to d * 2^PRE_SHIFT; TFLM sign convention (> 0 left), here in [-31, 0].
    zero_point: input tensor zero point, [-128, 127].
    length, channels: window frames and channels (layout [length][channels], frame-major).
    center: subtract the per-channel integer window mean first.
    """

    multiplier: int
    shift: int
    zero_point: int
    length: int
    channels: int
    center: bool

    @classmethod
    def for_model(
        cls, config: Config, input_scale: float, input_zero_point: int, *, center: bool = CENTER
    ) -> PreprocessParams:
        """Params for this project's windows and a model input quantized as given."""
        return cls.from_quantization(
            unit_scale=config.data.unit_scale,
            input_scale=input_scale,
            input_zero_point=input_zero_point,
            length=config.window.length,
            channels=len(config.data.columns),
            center=center,
        )

    @classmethod
    def from_quantization(
        cls,
        *,
        unit_scale: float,
        input_scale: float,
        input_zero_point: int,
        length: int,
        channels: int,
        center: bool,
    ) -> PreprocessParams:
        """Params for a model input quantized with (input_scale, input_zero_point)."""
        if not input_scale > 0:
            raise ValueError(f"input scale {input_scale!r} must be positive")
        if not -128 <= input_zero_point <= 127:
            raise ValueError(f"input zero point {input_zero_point} is not an int8 value")
        ratio = unit_scale / input_scale
        multiplier, shift = quantize_multiplier(ratio)
        shift -= PRE_SHIFT
        if not -31 <= shift <= 0 or multiplier == 0:
            raise ValueError(
                f"unit_scale / input_scale = {ratio:g} is outside [2^-17, 2^15): one int8 "
                "step would be more than 2^17 counts or less than 2^-15 of a count"
            )
        return cls(multiplier, shift, int(input_zero_point), int(length), int(channels), center)


def window_means(raw: np.ndarray) -> np.ndarray:
    """Per-channel integer means of windows (..., length, channels), rounded half away from 0."""
    raw = np.asarray(raw, dtype=np.int64)
    n = raw.shape[-2]
    s = raw.sum(axis=-2, keepdims=True)
    m = (np.abs(s) + n // 2) // n
    return np.where(s < 0, -m, m)


def centered(raw: np.ndarray, center: bool) -> np.ndarray:
    """Step 1 on windows (..., length, channels): int64 `raw - mean` (or raw)."""
    raw = np.asarray(raw, dtype=np.int64)
    return raw - window_means(raw) if center else raw


def float_window(raw: np.ndarray, unit_scale: float, center: bool) -> np.ndarray:
    """What the float model sees: centered counts times unit_scale, float32."""
    return (centered(raw, center) * unit_scale).astype(np.float32)


def preprocess_window(raw: np.ndarray, p: PreprocessParams) -> np.ndarray:
    """Raw int16 window(s) (..., length, channels) -> int8 model input of the same shape."""
    raw = np.asarray(raw)
    if raw.shape[-2:] != (p.length, p.channels):
        raise ValueError(
            f"window shape {raw.shape[-2:]} does not match ({p.length}, {p.channels})"
        )
    d = centered(raw, p.center) << PRE_SHIFT
    q = multiply_by_quantized_multiplier(d, p.multiplier, p.shift) + p.zero_point
    return np.clip(q, -128, 127).astype(np.int8)
