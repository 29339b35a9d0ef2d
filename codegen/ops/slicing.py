"""STRIDED_SLICE (constant begin/end/strides) and TRANSPOSE (constant permutation), int8
-> tfw_strided_copy_s8.

STRIDED_SLICE follows TFLM's evaluation exactly (reference_ops::StridedSlice over shapes padded
to 5-D, strided_slice_logic.h StridedSliceStartForAxis / StridedSliceEndForAxis; ellipsis and
new-axis masks are forced to 0 there, so models using them are rejected)."""

from __future__ import annotations

import math

from tinyfw.codegen.ir import Op
from tinyfw.codegen.lowering import Arg, LowerContext, Lowered
from tinyfw.codegen.ops._util import pad_left, row_major_strides

MAX_RANK = 6  # TFW_STRIDED_MAX_RANK
SLICE_RANK = 5  # TFLM pads strided slices to 5-D


def _clamp(v: int, lo: int, hi: int) -> int:
    return hi if hi < v else (max(v, lo))


def _start_for_axis(size: int, start: int, stride: int, begin_masked: bool) -> int:
    if start < 0:
        start += size
    start = _clamp(start, 0, size) if stride > 0 else _clamp(start, -1, size - 1)
    if begin_masked:
        start = 0 if stride > 0 else size - 1
    return start


def _end_for_axis(size: int, end: int, stride: int, start: int, end_masked: bool,
                  shrink: bool) -> int:
    if shrink:
        return start if start >= size else start + 1
    if end < 0:
        end += size
    end = _clamp(end, 0, size) if stride > 0 else _clamp(end, -1, size - 1)
    if end_masked:
        end = size if stride > 0 else -1
    return end


def _count(start: int, stop: int, stride: int) -> int:
    if stride > 0:
        return max(0, -(-(stop - start) // stride))
    return max(0, -(-(start - stop) // -stride))


def strided_slice_plan(shape: tuple[int, ...], begin: list[int], end: list[int],
                       strides: list[int], begin_mask: int, end_mask: int,
                       shrink_mask: int) -> tuple[list[int], list[int], int]:
    """(counts, input steps, start index) of TFLM's 5-D strided slice evaluation."""
    pad = SLICE_RANK - len(shape)
    dims = [1] * pad + list(shape)
    begin = [0] * pad + list(begin)
    end = [1] * pad + list(end)
    strides = [1] * pad + list(strides)
    begin_mask = (begin_mask << pad) | ((1 << pad) - 1)
    end_mask = (end_mask << pad) | ((1 << pad) - 1)
    shrink_mask <<= pad
    in_strides = row_major_strides(dims)
    counts, steps, start_index = [], [], 0
    for a in range(SLICE_RANK):
        start = _start_for_axis(dims[a], begin[a], strides[a], bool(begin_mask >> a & 1))
        stop = _end_for_axis(dims[a], end[a], strides[a], start, bool(end_mask >> a & 1),
                             bool(shrink_mask >> a & 1))
        if a == SLICE_RANK - 1 and strides[a] == 1:
            count = max(0, stop - start)  # TFLM's inner_stride_is_1 path: WriteN(len)
        else:
            count = _count(start, stop, strides[a])
        counts.append(count)
        steps.append(strides[a] * in_strides[a])
        start_index += start * in_strides[a]
    return counts, steps, start_index


def _int_list(ctx: LowerContext, op: Op, i: int, what: str) -> list[int]:
    t = ctx.require_const(op, ctx.tensor(op.inputs[i]), what)
    ctx.require_type(op, t, "int32")
    return [int(v) for v in t.array().reshape(-1).tolist()]


def _lowered(op: Op, x, y, counts: list[int], steps: list[int], start: int, note: str) -> Lowered:
    return Lowered(
        op=op,
        kernel="tfw_strided_copy_s8",
        header="tfw_strided_copy_s8.h",
        params_type="tfw_strided_copy_params",
        params={
            "count": pad_left(counts, MAX_RANK, 1),
            "step": pad_left(steps, MAX_RANK, 0),
            "start": start,
            "total": math.prod(counts),
        },
        args=[Arg("tensor", tensor=x.index, const=True), Arg("tensor", tensor=y.index)],
        note=note,
    )


def lower_strided_slice(op: Op, ctx: LowerContext) -> Lowered:
    ctx.n_inputs(op, 4)
    x = ctx.tensor(op.inputs[0])
    y = ctx.tensor(op.outputs[0])
    ctx.require_int8_activation(op, x)
    ctx.require_type(op, y, "int8")
    begin = _int_list(ctx, op, 1, "begin (input 1)")
    end = _int_list(ctx, op, 2, "end (input 2)")
    strides = _int_list(ctx, op, 3, "strides (input 3)")
    rank = len(x.shape)
    if not 1 <= rank <= SLICE_RANK:
        raise ctx.error(op, f"input rank {rank} is not in 1..{SLICE_RANK}")
    if not (len(begin) == len(end) == len(strides) == rank):
        raise ctx.error(op, f"begin/end/strides have {len(begin)}/{len(end)}/{len(strides)} "
                        f"values for rank {rank}")
    if 0 in strides:
        raise ctx.error(op, "a stride is 0")
    o = op.options
    for name in ("ellipsis_mask", "new_axis_mask"):
        if o.get(name, 0):
            raise ctx.error(op, f"{name} {o.get(name)} is not supported (TFLM ignores it)")
    if o.get("offset", False):
        raise ctx.error(op, "offset=true is not supported (TFLM ignores it)")
    counts, steps, start = strided_slice_plan(
        x.shape, begin, end, strides, o.get("begin_mask", 0), o.get("end_mask", 0),
        o.get("shrink_axis_mask", 0))
    total = math.prod(counts)
    if total == 0:
        raise ctx.error(op, "the slice is empty")
    if total != y.numel:
        raise ctx.error(op, f"the slice has {total} values but output {y.shape} has {y.numel}")
    return _lowered(op, x, y, counts, steps, start,
                    f"{x.shape} [{begin}:{end}:{strides}] -> {y.shape}")


def lower_transpose(op: Op, ctx: LowerContext) -> Lowered:
    ctx.n_inputs(op, 2)
    x = ctx.tensor(op.inputs[0])
    y = ctx.tensor(op.outputs[0])
    ctx.require_int8_activation(op, x)
    ctx.require_type(op, y, "int8")
    perm = _int_list(ctx, op, 1, "perm (input 1)")
    rank = len(x.shape)
    if not 1 <= rank <= MAX_RANK:
        raise ctx.error(op, f"input rank {rank} is not in 1..{MAX_RANK}")
    if sorted(perm) != list(range(rank)):
        raise ctx.error(op, f"perm {perm} is not a permutation of 0..{rank - 1}")
    out_shape = tuple(x.shape[p] for p in perm)
    if y.shape != out_shape:
        raise ctx.error(op, f"output shape {y.shape} does not match {out_shape}")
    if x.numel == 0:
        raise ctx.error(op, f"{x.describe()} is empty")
    in_strides = row_major_strides(x.shape)
    return _lowered(op, x, y, list(out_shape), [in_strides[p] for p in perm], 0,
                    f"{x.shape} perm {perm} -> {y.shape}")


OPS = {"STRIDED_SLICE": lower_strided_slice, "TRANSPOSE": lower_transpose}
