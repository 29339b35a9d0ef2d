"""PAD and PADV2 (constant paddings; int8) -> tfw_pad_s8. The pad value is the output zero
point (PAD) or PADV2's constant; values are copied raw, as TFLM does."""

from __future__ import annotations

import math

from tinyfw.codegen.ir import Op
from tinyfw.codegen.lowering import Arg, LowerContext, Lowered
from tinyfw.codegen.ops._util import pad_left

MAX_RANK = 6  # TFW_PAD_MAX_RANK


def lower_pad(op: Op, ctx: LowerContext) -> Lowered:
    ctx.n_inputs(op, 2, 3)
    x = ctx.tensor(op.inputs[0])
    pads_t = ctx.require_const(op, ctx.tensor(op.inputs[1]), "paddings (input 1)")
    y = ctx.tensor(op.outputs[0])
    ctx.require_int8_activation(op, x)
    ctx.require_type(op, y, "int8")
    ctx.require_quant(op, y)
    ctx.require_type(op, pads_t, "int32")
    rank = len(x.shape)
    if not 1 <= rank <= MAX_RANK or len(y.shape) != rank:
        raise ctx.error(op, f"input rank {rank} / output rank {len(y.shape)} not in 1..{MAX_RANK}")
    pads = pads_t.array().reshape(-1).tolist()
    if len(pads) != 2 * rank:
        raise ctx.error(op, f"paddings has {len(pads)} values for rank {rank}")
    before = pads[0::2]
    after = pads[1::2]
    if min(pads) < 0:
        raise ctx.error(op, f"negative paddings {pads} are not supported")
    for d in range(rank):
        if y.shape[d] != x.shape[d] + before[d] + after[d]:
            raise ctx.error(op, f"output shape {y.shape} does not match input {x.shape} + "
                            f"paddings {pads}")
    pad_value = y.zero_point
    if len(op.inputs) == 3 and op.inputs[2] >= 0:
        c = ctx.require_const(op, ctx.tensor(op.inputs[2]), "constant_values (input 2)")
        ctx.require_type(op, c, "int8")
        if c.numel != 1:
            raise ctx.error(op, f"constant_values has {c.numel} values, expected 1")
        pad_value = int(c.array().reshape(-1)[0])
    if x.numel == 0:
        raise ctx.error(op, f"{x.describe()} is empty")
    return Lowered(
        op=op,
        kernel="tfw_pad_s8",
        header="tfw_pad_s8.h",
        params_type="tfw_pad_params",
        params={
            "in_dims": pad_left(x.shape, MAX_RANK, 1),
            "out_dims": pad_left(y.shape, MAX_RANK, 1),
            "before": pad_left(before, MAX_RANK, 0),
            "out_size": math.prod(y.shape),
            "pad_value": pad_value,
        },
        args=[Arg("tensor", tensor=x.index, const=True), Arg("tensor", tensor=y.index)],
        note=f"{x.shape} -> {y.shape} value {pad_value}",
    )


OPS = {"PAD": lower_pad, "PADV2": lower_pad}
