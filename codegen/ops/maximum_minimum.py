"""MAXIMUM, MINIMUM (int8, NumPy broadcasting) -> tfw_maximum_s8 / tfw_minimum_s8.

TFLM's maximum_minimum kernel compares raw int8 values, which is only the real maximum
(minimum) when both inputs and the output share one scale and zero point; the TFLite converter
makes them equal, and any other model is refused here. No Prepare arithmetic beyond broadcasting."""

from __future__ import annotations

from tinyfw.codegen.ir import Op
from tinyfw.codegen.lowering import Arg, LowerContext, Lowered
from tinyfw.codegen.ops._util import broadcast_params, int8_operand, same_quant_tflm


def _maximum_minimum(op: Op, ctx: LowerContext, kind: str) -> Lowered:
    ctx.n_inputs(op, 2)
    a, b = ctx.tensor(op.inputs[0]), ctx.tensor(op.inputs[1])
    y = ctx.tensor(op.outputs[0])
    ctx.require_type(op, y, "int8")
    ctx.require_quant(op, y)
    if y.is_const:
        raise ctx.error(op, f"{y.describe()} is constant where an activation is expected")
    if y.numel == 0:
        raise ctx.error(op, f"{y.describe()} is empty")
    arg_a, consts_a = int8_operand(ctx, op, a, "input1")
    arg_b, consts_b = int8_operand(ctx, op, b, "input2")
    for t in (a, b):
        if t.quant.per_channel or not same_quant_tflm(t, y):
            raise ctx.error(op, f"{t.describe()} must have the output's scale and zero point "
                            f"({y.scale!r}, {y.zero_point}); TFLM compares raw int8 values")
    bcast = broadcast_params(ctx, op, a, b, y)
    return Lowered(
        op=op,
        kernel=f"tfw_{kind}_s8",
        header="tfw_maximum_minimum_s8.h",
        params_type="tfw_maximum_minimum_params",
        params={"bcast": bcast},
        args=[arg_a, arg_b, Arg("tensor", tensor=y.index)],
        consts=consts_a + consts_b,
        note=f"{kind}({a.shape}, {b.shape}) -> {y.shape}" + ("" if bcast["flat"] else " broadcast"),
    )


def lower_maximum(op: Op, ctx: LowerContext) -> Lowered:
    return _maximum_minimum(op, ctx, "maximum")


def lower_minimum(op: Op, ctx: LowerContext) -> Lowered:
    return _maximum_minimum(op, ctx, "minimum")


OPS = {"MAXIMUM": lower_maximum, "MINIMUM": lower_minimum}
