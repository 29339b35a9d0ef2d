"""SOFTMAX lowering -> tfw_softmax_s8 (TFLM CalculateSoftmaxParams at generation time)."""

from __future__ import annotations

import math

from tinyfw.codegen import qmath
from tinyfw.codegen.ir import Op
from tinyfw.codegen.lowering import Arg, LowerContext, Lowered, int8_unary_operands

SCALED_DIFF_INTEGER_BITS = 5


def preprocess_softmax_scaling(beta: float, input_scale: float, integer_bits: int) -> tuple[int, int]:
    """TFLM PreprocessSoftmaxScaling (double rounding build) -> (multiplier, left_shift)."""
    max_real = float((1 << 31) - 1)
    real = min(beta * input_scale * float(1 << (31 - integer_bits)), max_real)
    # QuantizeMultiplierGreaterThanOne: requires real > 1, shift >= 0.
    m, shift = qmath.quantize_multiplier(real)
    if shift < 0:
        raise ValueError("softmax multiplier below one")
    return m, shift


def calculate_input_radius(integer_bits: int, left_shift: int, total_signed_bits: int = 31) -> int:
    max_input_rescaled = (
        1.0 * ((1 << integer_bits) - 1) * float(1 << (total_signed_bits - integer_bits))
        / float(1 << left_shift)
    )
    return math.floor(max_input_rescaled)


def lower_softmax(op: Op, ctx: LowerContext) -> Lowered:
    x, y = int8_unary_operands(op, ctx)
    if y.zero_point != -128 or y.scale != 1.0 / 256:
        raise ctx.error(
            op, f"int8 output must have scale 1/256 and zero point -128, got {y.scale} {y.zero_point}"
        )
    if x.shape != y.shape or not x.shape:
        raise ctx.error(op, f"input {x.shape} and output {y.shape} shapes differ")
    beta = float(op.options.get("beta", 1.0))
    if not (math.isfinite(beta) and beta > 0.0):
        raise ctx.error(op, f"beta {beta!r} must be a positive number (TFLM aborts otherwise)")
    # TFLM: static_cast<double>(params->beta), static_cast<double>(input->params.scale).
    try:
        mult, left_shift = preprocess_softmax_scaling(beta, float(x.scale), SCALED_DIFF_INTEGER_BITS)
    except ValueError:
        raise ctx.error(op, f"beta {beta} x input scale {x.scale} is too small") from None
    diff_min = -calculate_input_radius(SCALED_DIFF_INTEGER_BITS, left_shift)
    depth = x.shape[-1]
    return Lowered(
        op=op,
        kernel="tfw_softmax_s8",
        header="tfw_softmax_s8.h",
        params_type="tfw_softmax_params",
        params={
            "rows": x.numel // depth,
            "depth": depth,
            "input_multiplier": mult,
            "input_left_shift": left_shift,
            "diff_min": diff_min,
        },
        args=[Arg("tensor", tensor=x.index, const=True), Arg("scratch", "int32_t"),
              Arg("tensor", tensor=y.index)],
        scratch_bytes=4 * depth,
        note=f"beta {beta}",
    )


OPS = {"SOFTMAX": lower_softmax}
