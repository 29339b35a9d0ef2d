"""RESHAPE, EXPAND_DIMS, SQUEEZE: no code, the output is a view of the input's bytes.

TFLite Micro copies the bytes unchanged (quantization is not applied), so a view is exact.
"""

from __future__ import annotations

from tinyfw.codegen.ir import Op
from tinyfw.codegen.lowering import LowerContext, Lowered


def lower_view(op: Op, ctx: LowerContext) -> Lowered:
    if len(op.inputs) < 1 or len(op.outputs) != 1:
        raise ctx.error(op, "expects an input and one output")
    x = ctx.tensor(op.inputs[0])
    y = ctx.tensor(op.outputs[0])
    ctx.require_type(op, x, "int8")
    if y.dtype != x.dtype:
        raise ctx.error(op, f"changes type {x.dtype} -> {y.dtype}")
    if x.numel != y.numel:
        raise ctx.error(op, f"changes the element count {x.shape} -> {y.shape}")
    if x.is_const:
        raise ctx.error(op, f"{x.describe()} is constant; fold it before conversion")
    return Lowered(op=op, alias_of=x.index, note=f"{x.shape} -> {y.shape}")


OPS = {"RESHAPE": lower_view, "EXPAND_DIMS": lower_view, "SQUEEZE": lower_view}
