"""MEAN lowering -> tfw_mean_contiguous_s8 when the reduced axes are one contiguous block (size-1
dims aside), else tfw_mean_s8 (axes resolved and 1/N folded into the multiplier here)."""

from __future__ import annotations

from tinyfw.codegen.ir import Op
from tinyfw.codegen.lowering import Arg, LowerContext, Lowered
from tinyfw.codegen.ops._util import requant

MAX_RANK = 6  # TFW_MEAN_MAX_RANK


def contiguous_split(shape: tuple[int, ...], axes: set[int]) -> tuple[int, int, int] | None:
    """(outer, reduce, inner) when, size-1 dims aside, the dims read kept* reduced* kept*."""
    parts = [1, 1, 1]
    part = 0
    for d, size in enumerate(shape):
        if size == 1:
            continue
        if d in axes:
            if part == 2:
                return None
            part = 1
        elif part == 1:
            part = 2
        parts[part] *= size
    return parts[0], parts[1], parts[2]


def lower_mean(op: Op, ctx: LowerContext) -> Lowered:
    ctx.n_inputs(op, 2)
    x = ctx.tensor(op.inputs[0])
    axis_t = ctx.require_const(op, ctx.tensor(op.inputs[1]), "axis (input 1)")
    y = ctx.tensor(op.outputs[0])
    ctx.require_int8_activation(op, x)
    ctx.require_type(op, y, "int8")
    ctx.require_quant(op, y)
    ctx.require_type(op, axis_t, "int32")
    rank = len(x.shape)
    if not 1 <= rank <= MAX_RANK:
        raise ctx.error(op, f"input rank {rank} is not in 1..{MAX_RANK}")
    if x.numel == 0:
        raise ctx.error(op, f"{x.describe()} is empty")
    axes = set()
    for a in axis_t.array().reshape(-1).tolist():
        if not -rank <= a < rank:
            raise ctx.error(op, f"axis {a} is out of range for rank {rank}")
        axes.add(a % rank)
    num_reduced = 1
    for a in axes:
        num_reduced *= x.shape[a]
    out_count = x.numel // num_reduced
    if y.numel != out_count:
        raise ctx.error(op, f"output has {y.numel} values, expected {out_count}")
    # Output strides per input dim (0 for reduced dims), row-major over the kept dims.
    strides = [0] * rank
    s = 1
    for d in range(rank - 1, -1, -1):
        if d not in axes:
            strides[d] = s
            s *= x.shape[d]
    # TFLM PrepareMeanOrSumHelper + QuantizedMeanOrSum: fold 1/num_reduced into the multiplier.
    mult, shift = requant(ctx, op, float(x.scale) / float(y.scale), "input/output scale")
    sh = num_reduced.bit_length() - 1  # 63 - clz64(n)
    sh = min(sh, 32)
    sh = min(sh, 31 + shift)
    mult = int(((mult << sh) if sh >= 0 else (mult >> -sh)) // num_reduced)
    if not -(2**31) <= mult < 2**31:
        raise ctx.error(op, "mean multiplier overflows int32")
    shift -= sh
    split = contiguous_split(tuple(x.shape), axes)
    if split is not None:
        outer, reduce, inner = split
        return Lowered(
            op=op,
            kernel="tfw_mean_contiguous_s8",
            header="tfw_mean_s8.h",
            params_type="tfw_mean_contiguous_params",
            params={
                "outer": outer,
                "reduce": reduce,
                "inner": inner,
                "input_zero_point": x.zero_point,
                "output_zero_point": y.zero_point,
                "multiplier": mult,
                "shift": shift,
            },
            args=[Arg("tensor", tensor=x.index, const=True), Arg("tensor", tensor=y.index)],
            note=f"axes {sorted(axes)} over {num_reduced} values, as [{outer}, {reduce}, {inner}]",
        )
    pad = MAX_RANK - rank
    return Lowered(
        op=op,
        kernel="tfw_mean_s8",
        header="tfw_mean_s8.h",
        params_type="tfw_mean_params",
        params={
            "rank": rank,
            "in_dims": list(x.shape) + [1] * pad,
            "out_strides": strides + [0] * pad,
            "out_count": out_count,
            "num_reduced": num_reduced,
            "input_zero_point": x.zero_point,
            "output_zero_point": y.zero_point,
            "multiplier": mult,
            "shift": shift,
        },
        args=[Arg("tensor", tensor=x.index, const=True), Arg("scratch", "int32_t"), Arg("tensor", tensor=y.index)],
        scratch_bytes=4 * out_count,
        note=f"axes {sorted(axes)} over {num_reduced} values",
    )


OPS = {"MEAN": lower_mean}
