"""RELU, RELU_N1_TO_1, RELU6, LEAKY_RELU, HARD_SWISH, LOGISTIC, TANH (int8, elementwise).

Every multiplier is computed as TFLM's Prepare does it, including where TFLM divides scales in
float32 before widening to double (RELU, LEAKY_RELU, HARD_SWISH)."""

from __future__ import annotations

import numpy as np

from tinyfw.codegen import qmath
from tinyfw.codegen.ir import Op
from tinyfw.codegen.lowering import Arg, LowerContext, Lowered, activation_range
from tinyfw.codegen.ops._util import elementwise_in_out, f32_div, requant
from tinyfw.codegen.ops.softmax import calculate_input_radius


def _io_args(x, y) -> list[Arg]:
    return [Arg("tensor", tensor=x.index, const=True), Arg("tensor", tensor=y.index)]


def _relu(op: Op, ctx: LowerContext, act: str) -> Lowered:
    x, y = elementwise_in_out(ctx, op)
    # activations_common.cc CalculateReluOpData: static_cast<double>(in_scale / out_scale).
    mult, shift = requant(ctx, op, f32_div(x.scale, y.scale), "input/output scale")
    act_min, act_max = activation_range(act, y)
    return Lowered(
        op=op,
        kernel="tfw_relu_s8",
        header="tfw_relu_s8.h",
        params_type="tfw_relu_params",
        params={
            "size": x.numel,
            "input_zero_point": x.zero_point,
            "output_multiplier": mult,
            "output_shift": shift,
            "output_zero_point": y.zero_point,
            "act_min": act_min,
            "act_max": act_max,
        },
        args=_io_args(x, y),
        note=f"{x.shape} {act}",
    )


def lower_relu(op: Op, ctx: LowerContext) -> Lowered:
    return _relu(op, ctx, "RELU")


def lower_relu6(op: Op, ctx: LowerContext) -> Lowered:
    x, y = elementwise_in_out(ctx, op)
    # activations_common.cc Relu6Prepare: clamp on the INPUT scale, output quantization unused.
    six = qmath.quantize_value_f32(6.0, x.scale, x.zero_point)
    return Lowered(
        op=op,
        kernel="tfw_relu6_s8",
        header="tfw_relu6_s8.h",
        params_type="tfw_relu6_params",
        params={"size": x.numel, "lower": x.zero_point, "upper": six},
        args=_io_args(x, y),
        note=f"{x.shape} clamp [{x.zero_point}, {six}]",
    )


def lower_leaky_relu(op: Op, ctx: LowerContext) -> Lowered:
    x, y = elementwise_in_out(ctx, op)
    alpha = float(op.options.get("alpha", 0.0))
    # leaky_relu_common.cc: float32 (in_scale * alpha / out_scale) and (in_scale / out_scale).
    alpha_real = float(np.float32(x.scale) * np.float32(alpha) / np.float32(y.scale))
    ma, sa = requant(ctx, op, alpha_real, "alpha")
    if ma == -(2**31):
        raise ctx.error(op, f"alpha {alpha} gives a multiplier of -2^31 (TFLM cannot negate it)")
    mi, si = requant(ctx, op, f32_div(x.scale, y.scale), "input/output scale")
    return Lowered(
        op=op,
        kernel="tfw_leaky_relu_s8",
        header="tfw_leaky_relu_s8.h",
        params_type="tfw_leaky_relu_params",
        params={
            "size": x.numel,
            "input_zero_point": x.zero_point,
            "output_zero_point": y.zero_point,
            "alpha_multiplier": ma,
            "alpha_shift": sa,
            "identity_multiplier": mi,
            "identity_shift": si,
        },
        args=_io_args(x, y),
        note=f"{x.shape} alpha {alpha}",
    )


def lower_hard_swish(op: Op, ctx: LowerContext) -> Lowered:
    x, y = elementwise_in_out(ctx, op)
    # hard_swish_common.cc: float32 scales, QuantizeMultiplier, then int16 multipliers.
    hires_input_scale = np.float32(1.0 / 128.0) * np.float32(x.scale)
    reluish_scale = np.float32(3.0) / np.float32(32768.0)
    out_real = float(hires_input_scale / np.float32(y.scale))
    reluish_real = float(hires_input_scale / reluish_scale)
    m_out, e_out = qmath.quantize_multiplier(out_real)
    m_rel, e_rel = requant(ctx, op, reluish_real, "relu-ish scale")
    if e_out > 0:
        raise ctx.error(op, f"output scale {y.scale} is too small for input scale {x.scale} "
                        "(TFLM requires output_multiplier_exponent <= 0)")
    return Lowered(
        op=op,
        kernel="tfw_hard_swish_s8",
        header="tfw_hard_swish_s8.h",
        params_type="tfw_hard_swish_params",
        params={
            "size": x.numel,
            "input_zero_point": x.zero_point,
            "output_zero_point": y.zero_point,
            "reluish_multiplier_fp16": qmath.downscale_int32_to_int16_multiplier(m_rel),
            "reluish_multiplier_exponent": e_rel,
            "output_multiplier_fp16": qmath.downscale_int32_to_int16_multiplier(m_out),
            "output_multiplier_exponent": e_out,
        },
        args=_io_args(x, y),
        note=f"{x.shape}",
    )


def _sigmoid_like(op: Op, ctx: LowerContext, kind: str) -> Lowered:
    x, y = elementwise_in_out(ctx, op)
    if kind == "logistic" and y.zero_point != -128:
        raise ctx.error(op, f"int8 output must have zero point -128, got {y.zero_point}")
    # logistic_common.cc / tanh.cc: double(in_scale) * 2^27, frexp, round(q * 2^31).
    real = float(x.scale) * float(1 << 27)
    mult, left_shift = qmath.frexp_multiplier(real)
    if left_shift < 0:
        raise ctx.error(op, f"input scale {x.scale} is too small (below 2^-28)")
    radius = calculate_input_radius(4, left_shift, 31)
    return Lowered(
        op=op,
        kernel=f"tfw_{kind}_s8",
        header=f"tfw_{kind}_s8.h",
        params_type=f"tfw_{kind}_params",
        params={
            "size": x.numel,
            "input_zero_point": x.zero_point,
            "input_range_radius": radius,
            "input_multiplier": mult,
            "input_left_shift": left_shift,
        },
        args=_io_args(x, y),
        note=f"{x.shape}",
    )


def lower_logistic(op: Op, ctx: LowerContext) -> Lowered:
    return _sigmoid_like(op, ctx, "logistic")


def lower_tanh(op: Op, ctx: LowerContext) -> Lowered:
    return _sigmoid_like(op, ctx, "tanh")


OPS = {
    "RELU": lower_relu,
    "RELU6": lower_relu6,
    "LEAKY_RELU": lower_leaky_relu,
    "HARD_SWISH": lower_hard_swish,
    "LOGISTIC": lower_logistic,
    "TANH": lower_tanh,
}
