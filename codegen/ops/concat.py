"""CONCATENATION (int8, same quantization on every input and the output, as TFLM requires)
-> tfw_concatenation_s8; up to 8 inputs, activations or constants."""

from __future__ import annotations

import math

from tinyfw.codegen.ir import Op
from tinyfw.codegen.lowering import Arg, LowerContext, Lowered
from tinyfw.codegen.ops._util import int8_operand

MAX_INPUTS = 8  # TFW_CONCAT_MAX_INPUTS


def lower_concatenation(op: Op, ctx: LowerContext) -> Lowered:
    if len(op.outputs) != 1 or not op.inputs:
        raise ctx.error(op, "expects inputs and one output")
    if len(op.inputs) > MAX_INPUTS:
        raise ctx.error(op, f"has {len(op.inputs)} inputs; tinyfw concatenates at most "
                        f"{MAX_INPUTS} at once (split it into a tree of concatenations)")
    y = ctx.tensor(op.outputs[0])
    ctx.require_type(op, y, "int8")
    ctx.require_quant(op, y)
    rank = len(y.shape)
    if rank == 0:
        raise ctx.error(op, "output is a scalar")
    axis = op.options.get("axis", 0)
    if not -rank <= axis < rank:
        raise ctx.error(op, f"axis {axis} is out of range for rank {rank}")
    axis %= rank
    act = op.options.get("fused_activation_function", "NONE")
    if act != "NONE":
        raise ctx.error(op, f"fused activation {act} is not supported (TFLM has none here)")
    args: list[Arg] = []
    consts = []
    copy_sizes = []
    total_axis = 0
    for k, i in enumerate(op.inputs):
        if i < 0:
            raise ctx.error(op, f"input {k} is missing")
        t = ctx.tensor(i)
        arg, c = int8_operand(ctx, op, t, f"input{k}")
        if len(t.shape) != rank or any(t.shape[d] != y.shape[d] for d in range(rank) if d != axis):
            raise ctx.error(op, f"{t.describe()} shape {t.shape} does not fit output {y.shape} "
                            f"along axis {axis}")
        # concatenation.cc: int8 inputs must share the output's scale and zero point.
        if float(t.scale) != float(y.scale) or t.zero_point != y.zero_point or t.quant.per_channel:
            raise ctx.error(op, f"{t.describe()} is quantized (scale {t.scale!r}, zero point "
                            f"{t.zero_point}) unlike the output (scale {y.scale!r}, zero point "
                            f"{y.zero_point}); TFLM requires equal quantization")
        total_axis += t.shape[axis]
        copy_sizes.append(math.prod(t.shape[axis:]))
        args.append(arg)
        consts += c
    if total_axis != y.shape[axis]:
        raise ctx.error(op, f"inputs add up to {total_axis} along axis {axis}, output has "
                        f"{y.shape[axis]}")
    args += [Arg("null", "int8_t")] * (MAX_INPUTS - len(op.inputs))
    args.append(Arg("tensor", tensor=y.index))
    return Lowered(
        op=op,
        kernel="tfw_concatenation_s8",
        header="tfw_concatenation_s8.h",
        params_type="tfw_concatenation_params",
        params={
            "num_inputs": len(op.inputs),
            "outer": math.prod(y.shape[:axis]),
            "copy_size": copy_sizes + [0] * (MAX_INPUTS - len(copy_sizes)),
        },
        args=args,
        consts=consts,
        note=f"{len(op.inputs)} inputs along axis {axis} -> {y.shape}",
    )


OPS = {"CONCATENATION": lower_concatenation}
