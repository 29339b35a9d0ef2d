"""Helpers shared by the op lowerings (no OPS here): float32 scale arithmetic as TFLM's Prepare
functions do it, shape padding, broadcasting strides."""

from __future__ import annotations

import math

import numpy as np

from tinyfw.codegen import qmath
from tinyfw.codegen.ir import Op, Tensor
from tinyfw.codegen.lowering import Arg, ConstArray, LowerContext, int8_unary_operands


def f32_div(a: float, b: float) -> float:
    """a / b in float32 (C++ float / float), widened to double afterwards."""
    return float(np.float32(a) / np.float32(b))


def pad_left(values: list[int] | tuple[int, ...], rank: int, fill: int) -> list[int]:
    values = list(values)
    return [fill] * (rank - len(values)) + values


def row_major_strides(shape: tuple[int, ...] | list[int]) -> list[int]:
    strides = [1] * len(shape)
    for d in range(len(shape) - 2, -1, -1):
        strides[d] = strides[d + 1] * shape[d + 1]
    return strides


def same_quant_tflm(a: Tensor, b: Tensor) -> bool:
    """TFLM pooling's check: |float32 scale difference| <= 1e-6 and equal zero points."""
    assert a.quant is not None and b.quant is not None
    diff = abs(float(qmath.f32(a.scale) - qmath.f32(b.scale)))
    return diff <= 1.0e-6 and a.zero_point == b.zero_point


def broadcast_params(ctx: LowerContext, op: Op, a: Tensor, b: Tensor, y: Tensor,
                     max_rank: int = 6) -> dict:
    """tfw_broadcast for y = f(a, b) with NumPy broadcasting (TFLM BroadcastBinaryOpSimple)."""
    rank = max(len(a.shape), len(b.shape), len(y.shape))
    if rank > max_rank:
        raise ctx.error(op, f"rank {rank} is more than the {max_rank} dims tinyfw broadcasts")
    ya = pad_left(y.shape, max_rank, 1)
    aa = pad_left(a.shape, max_rank, 1)
    ba = pad_left(b.shape, max_rank, 1)
    for d in range(max_rank):
        for src, name in ((aa, "input 1"), (ba, "input 2")):
            if src[d] not in (1, ya[d]):
                raise ctx.error(
                    op, f"{name} shape {a.shape if name == 'input 1' else b.shape} does not "
                    f"broadcast to output shape {y.shape}")
        if ya[d] != max(aa[d], ba[d]):
            raise ctx.error(op, f"output shape {y.shape} is not the broadcast of {a.shape} and "
                            f"{b.shape}")
    sa, sb = row_major_strides(aa), row_major_strides(ba)
    stride1 = [0 if aa[d] == 1 else sa[d] for d in range(max_rank)]
    stride2 = [0 if ba[d] == 1 else sb[d] for d in range(max_rank)]
    contiguous = row_major_strides(ya)
    flat = all(stride1[d] == contiguous[d] or ya[d] == 1 for d in range(max_rank)) and all(
        stride2[d] == contiguous[d] or ya[d] == 1 for d in range(max_rank))
    return {
        "count": math.prod(ya),
        "flat": 1 if flat else 0,
        "dims": ya,
        "stride1": stride1,
        "stride2": stride2,
    }


def elementwise_in_out(ctx: LowerContext, op: Op) -> tuple[Tensor, Tensor]:
    """The single int8 activation input and int8 output of a unary elementwise op."""
    x, y = int8_unary_operands(op, ctx)
    if x.numel != y.numel:
        raise ctx.error(op, f"input {x.shape} and output {y.shape} differ in size")
    if x.numel == 0:
        raise ctx.error(op, f"{x.describe()} is empty")
    return x, y


MAX_LEFT_SHIFT = 30  # tfw_mbqm / TFLM MultiplyByQuantizedMultiplier: shift in [-31, 30]


def check_shifts(ctx: LowerContext, op: Op, shifts, what: str) -> None:
    """Refuse requantization shifts the kernels cannot apply (a scale ratio of 2^30 or more:
    TFLM's x * (1 << shift) would be undefined there)."""
    worst = int(np.max(np.asarray(shifts)))
    if worst > MAX_LEFT_SHIFT:
        raise ctx.error(op, f"{what}: the requantization needs a left shift of {worst} bits "
                        f"(at most {MAX_LEFT_SHIFT}); the output scale is far too small for the "
                        "input scale(s) - re-convert the model")


def requant(ctx: LowerContext, op: Op, real: float, what: str) -> tuple[int, int]:
    """qmath.quantize_multiplier(real), refused when the shift is out of the kernels' range."""
    m, s = qmath.quantize_multiplier(real)
    check_shifts(ctx, op, [s], what)
    return m, s


def int8_operand(ctx: LowerContext, op: Op, t: Tensor, what: str) -> tuple[Arg, list[ConstArray]]:
    """An int8 input that may be an activation or a constant (emitted in flash)."""
    ctx.require_type(op, t, "int8")
    ctx.require_quant(op, t)
    if not t.is_const:
        return Arg("tensor", tensor=t.index, const=True), []
    arr, _ = ctx.const(op, what, "int8_t", t.array(), f"{t.name} {t.shape}")
    return Arg("const", "int8_t", name=arr.name), [arr]
