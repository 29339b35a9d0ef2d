"""ADD, SUB, MUL (int8, NumPy broadcasting, fused activation) -> tfw_add_s8 / tfw_sub_s8 (both in
tfw_add_s8.c) / tfw_mul_s8. Multipliers follow TFLM's Prepare exactly: ADD computes its scale ratios in double,
SUB in float32 (sub_common.cc), MUL in double."""

from __future__ import annotations

import numpy as np

from tinyfw.codegen import qmath
from tinyfw.codegen.ir import Op
from tinyfw.codegen.lowering import Arg, LowerContext, Lowered, activation_range
from tinyfw.codegen.ops._util import broadcast_params, int8_operand, requant

LEFT_SHIFT_INT8 = 20
ACTIVATIONS = ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")


def _binary(op: Op, ctx: LowerContext):
    ctx.n_inputs(op, 2)
    a = ctx.tensor(op.inputs[0])
    b = ctx.tensor(op.inputs[1])
    y = ctx.tensor(op.outputs[0])
    ctx.require_type(op, y, "int8")
    ctx.require_quant(op, y)
    if y.is_const:
        raise ctx.error(op, f"{y.describe()} is constant where an activation is expected")
    arg_a, consts_a = int8_operand(ctx, op, a, "input1")
    arg_b, consts_b = int8_operand(ctx, op, b, "input2")
    for t in (a, b):
        if t.quant.per_channel:
            raise ctx.error(op, f"{t.describe()} must be quantized per tensor")
    if y.numel == 0:
        raise ctx.error(op, f"{y.describe()} is empty")
    bcast = broadcast_params(ctx, op, a, b, y)
    act = op.options.get("fused_activation_function", "NONE")
    if act not in ACTIVATIONS:
        raise ctx.error(op, f"fused activation {act} is not supported")
    act_min, act_max = activation_range(act, y)
    return a, b, y, [arg_a, arg_b, Arg("tensor", tensor=y.index)], consts_a + consts_b, bcast, (
        act_min, act_max, act)


def _smaller_than_one(ctx: LowerContext, op: Op, real: float, what: str) -> tuple[int, int]:
    try:
        return qmath.quantize_multiplier_smaller_than_one_exp(real)
    except ValueError:
        raise ctx.error(op, f"{what} multiplier {real!r} is outside (0, 1); the scales of "
                        "the inputs and the output are too far apart") from None


def _add_sub(op: Op, ctx: LowerContext, kind: str) -> Lowered:
    a, b, y, args, consts, bcast, (act_min, act_max, act) = _binary(op, ctx)
    s1, s2, so = a.scale, b.scale, y.scale
    if kind == "add":
        # add_common.cc: double arithmetic.
        twice_max = 2.0 * float(max(np.float32(s1), np.float32(s2)))
        r1 = float(s1) / twice_max
        r2 = float(s2) / twice_max
        ro = twice_max / ((1 << LEFT_SHIFT_INT8) * float(so))
    else:
        # sub_common.cc: float32 arithmetic, widened to double at the end.
        twice_max32 = np.float32(2) * max(np.float32(s1), np.float32(s2))
        r1 = float(np.float32(s1) / twice_max32)
        r2 = float(np.float32(s2) / twice_max32)
        ro = float(twice_max32 / (np.float32(1 << LEFT_SHIFT_INT8) * np.float32(so)))
    m1, sh1 = _smaller_than_one(ctx, op, r1, "input 1")
    m2, sh2 = _smaller_than_one(ctx, op, r2, "input 2")
    mo, sho = _smaller_than_one(ctx, op, ro, "output")
    params = {
        "bcast": bcast,
        "left_shift": LEFT_SHIFT_INT8,
        "input1_offset": -a.zero_point,
        "input2_offset": -b.zero_point,
        "input1_multiplier": m1,
        "input1_shift": sh1,
        "input2_multiplier": m2,
        "input2_shift": sh2,
        "output_multiplier": mo,
        "output_shift": sho,
        "output_offset": y.zero_point,
        "act_min": act_min,
        "act_max": act_max,
    }
    return Lowered(
        op=op,
        kernel=f"tfw_{kind}_s8",
        header="tfw_add_s8.h",  # ADD and SUB share one kernel file and params struct
        params_type="tfw_add_params",
        params=params,
        args=args,
        consts=consts,
        note=f"{a.shape} {'+' if kind == 'add' else '-'} {b.shape} -> {y.shape} {act}"
        + ("" if bcast["flat"] else " broadcast"),
    )


def lower_add(op: Op, ctx: LowerContext) -> Lowered:
    return _add_sub(op, ctx, "add")


def lower_sub(op: Op, ctx: LowerContext) -> Lowered:
    return _add_sub(op, ctx, "sub")


def lower_mul(op: Op, ctx: LowerContext) -> Lowered:
    a, b, y, args, consts, bcast, (act_min, act_max, act) = _binary(op, ctx)
    real = float(a.scale) * float(b.scale) / float(y.scale)
    mult, shift = requant(ctx, op, real, "input/output scales")
    return Lowered(
        op=op,
        kernel="tfw_mul_s8",
        header="tfw_mul_s8.h",
        params_type="tfw_mul_params",
        params={
            "bcast": bcast,
            "input1_offset": -a.zero_point,
            "input2_offset": -b.zero_point,
            "output_multiplier": mult,
            "output_shift": shift,
            "output_offset": y.zero_point,
            "act_min": act_min,
            "act_max": act_max,
        },
        args=args,
        consts=consts,
        note=f"{a.shape} * {b.shape} -> {y.shape} {act}" + ("" if bcast["flat"] else " broadcast"),
    )


OPS = {"ADD": lower_add, "SUB": lower_sub, "MUL": lower_mul}
