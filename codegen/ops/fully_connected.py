"""FULLY_CONNECTED lowering -> tfw_fully_connected_s8.

Besides TFLM's Prepare this folds the offsets' constant terms into the bias and pair-packs the
weights (codegen/ops/_packing.py)."""

from __future__ import annotations

import numpy as np

from tinyfw.codegen.ir import Op
from tinyfw.codegen.lowering import (
    Arg,
    LowerContext,
    Lowered,
    activation_range,
    check_bias_length,
    fused_activation,
    per_channel_requant,
    per_tensor_conv_multiplier,
    weighted_operands,
)
from tinyfw.codegen.ops._packing import fold_bias, pack_row_pairs, round_up4
from tinyfw.codegen.ops._util import check_shifts


def lower_fully_connected(op: Op, ctx: LowerContext) -> Lowered:
    x, w, b, y = weighted_operands(op, ctx, "weights")
    if op.options.get("weights_format", 0) != 0:
        raise ctx.error(op, "shuffled weights format is not supported")
    act = fused_activation(op, ctx)
    if len(w.shape) != 2:
        raise ctx.error(op, f"weights must be 2-D [out, in], got {w.shape}")
    out_depth, accum = w.shape
    if accum < 1 or x.numel % accum:
        raise ctx.error(op, f"input of {x.numel} values is not a multiple of depth {accum}")
    batches = x.numel // accum
    if not y.shape or y.shape[-1] != out_depth or y.numel != batches * out_depth:
        raise ctx.error(op, f"output shape {y.shape} does not match {batches}x{out_depth}")
    per_channel = w.quant.per_channel
    if per_channel:
        if len(w.quant.scale) != out_depth:
            raise ctx.error(op, f"{len(w.quant.scale)} weight scales for {out_depth} outputs")
        if any(z != 0 for z in w.quant.zero_point):
            raise ctx.error(op, f"{w.describe()} must be symmetric (zero point 0)")
        mult, shift = per_channel_requant(x.scale, w.quant.scale, y.scale, out_depth)
        filter_offset = 0
    else:
        m, s = per_tensor_conv_multiplier(x.scale, w.scale, y.scale)
        mult = np.full(out_depth, m, dtype=np.int64)
        shift = np.full(out_depth, s, dtype=np.int64)
        filter_offset = -w.zero_point
    check_shifts(ctx, op, shift, "input x weights / output scales")
    check_bias_length(op, ctx, b, out_depth)
    act_min, act_max = activation_range(act, y)
    # sum((w + fo) * (x + io)) = sum(w x) + io sum(w) + fo sum(x) + depth fo io: all but
    # fo sum(x) are constants.
    input_offset = -x.zero_point
    rows = w.array().reshape(out_depth, accum)
    folded = fold_bias(b.array() if b is not None else None, rows, input_offset,
                       extra=accum * filter_offset * input_offset)
    wa, _ = ctx.const(op, "weights", "int8_t", pack_row_pairs(rows),
                      f"{w.name} {w.shape}, pair-packed")
    ba, _ = ctx.const(op, "bias", "int32_t", folded,
                      f"{b.name if b is not None else 'no bias'} + offset terms")
    ma, m_ref = ctx.const(op, "mult", "int32_t", mult)
    sa, s_ref = ctx.const(op, "shift", "int32_t", shift)
    scratch = 0 if accum % 4 == 0 else 2 * round_up4(accum)
    consts = [wa, ba, ma, sa]
    args = [
        Arg("tensor", tensor=x.index, const=True),
        Arg("const", "int8_t", name=wa.name),
        Arg("const", "int32_t", name=ba.name),
        Arg("scratch", "int8_t") if scratch else Arg("null", "int8_t"),
        Arg("tensor", tensor=y.index),
    ]
    return Lowered(
        op=op,
        kernel="tfw_fully_connected_s8",
        header="tfw_fully_connected_s8.h",
        params_type="tfw_fully_connected_params",
        params={
            "batches": batches,
            "accum_depth": accum,
            "out_depth": out_depth,
            "filter_offset": filter_offset,
            "output_offset": y.zero_point,
            "act_min": act_min,
            "act_max": act_max,
            "requant": {"multiplier": m_ref, "shift": s_ref},
        },
        args=args,
        consts=consts,
        scratch_bytes=scratch,
        macs=batches * out_depth * accum,
        note=f"{accum}->{out_depth} {'per-channel' if per_channel else 'per-tensor'} {act}",
    )


OPS = {"FULLY_CONNECTED": lower_fully_connected}
