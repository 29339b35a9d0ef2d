"""QUANTIZE (int8 -> int8 requantization; float32 -> int8 at a model input) and DEQUANTIZE
(int8 -> float32 at a model output).

The float kernels are the only float code in the firmware's inference path and exist only at the
model boundary: a float32 tensor must be a model input (QUANTIZE) or a model output
(DEQUANTIZE). The scale reaches C as its IEEE-754 bits."""

from __future__ import annotations

from tinyfw.codegen import qmath
from tinyfw.codegen.ir import Op
from tinyfw.codegen.lowering import Arg, LowerContext, Lowered
from tinyfw.codegen.ops._util import requant


def lower_quantize(op: Op, ctx: LowerContext) -> Lowered:
    ctx.n_inputs(op, 1)
    x = ctx.tensor(op.inputs[0])
    y = ctx.tensor(op.outputs[0])
    ctx.require_type(op, y, "int8")
    ctx.require_quant(op, y)
    if x.numel != y.numel or x.numel == 0:
        raise ctx.error(op, f"input {x.shape} and output {y.shape} differ in size")
    if x.is_const:
        raise ctx.error(op, f"{x.describe()} is constant; fold it before conversion")
    if x.dtype == "float32":
        if x.index not in ctx.graph.inputs:
            raise ctx.error(op, f"{x.describe()} is float32 inside the graph; tinyfw quantizes "
                            "floats only at a model input (full int8 model expected)")
        return Lowered(
            op=op,
            kernel="tfw_quantize_f32_s8",
            header="tfw_quantize_f32_s8.h",
            params_type="tfw_quantize_f32_params",
            params={
                "size": x.numel,
                "scale_bits": qmath.float32_bits(y.scale),
                "zero_point": y.zero_point,
            },
            args=[Arg("tensor", "float", tensor=x.index, const=True),
                  Arg("tensor", tensor=y.index)],
            note=f"float32 {x.shape} -> int8 scale {y.scale!r} zp {y.zero_point}",
        )
    ctx.require_type(op, x, "int8", "float32")
    ctx.require_quant(op, x)
    # quantize_common.cc: double(in_scale) / double(out_scale).
    mult, shift = requant(ctx, op, float(x.scale) / float(y.scale), "input/output scale")
    return Lowered(
        op=op,
        kernel="tfw_quantize_s8",
        header="tfw_quantize_s8.h",
        params_type="tfw_quantize_params",
        params={
            "size": x.numel,
            "input_zero_point": x.zero_point,
            "output_zero_point": y.zero_point,
            "multiplier": mult,
            "shift": shift,
        },
        args=[Arg("tensor", tensor=x.index, const=True), Arg("tensor", tensor=y.index)],
        note=f"requantize {x.shape} scale {x.scale!r}/{y.scale!r} zp {x.zero_point}->{y.zero_point}",
    )


def lower_dequantize(op: Op, ctx: LowerContext) -> Lowered:
    ctx.n_inputs(op, 1)
    x = ctx.tensor(op.inputs[0])
    y = ctx.tensor(op.outputs[0])
    ctx.require_int8_activation(op, x)
    ctx.require_type(op, y, "float32")
    if x.numel != y.numel or x.numel == 0:
        raise ctx.error(op, f"input {x.shape} and output {y.shape} differ in size")
    if y.index not in ctx.graph.outputs:
        raise ctx.error(op, f"{y.describe()} is float32 inside the graph; tinyfw dequantizes "
                        "only at a model output (full int8 model expected)")
    return Lowered(
        op=op,
        kernel="tfw_dequantize_s8_f32",
        header="tfw_dequantize_s8_f32.h",
        params_type="tfw_dequantize_params",
        params={
            "size": x.numel,
            "scale_bits": qmath.float32_bits(x.scale),
            "zero_point": x.zero_point,
        },
        args=[Arg("tensor", tensor=x.index, const=True), Arg("tensor", "float", tensor=y.index)],
        note=f"int8 {x.shape} scale {x.scale!r} zp {x.zero_point} -> float32",
    )


OPS = {"QUANTIZE": lower_quantize, "DEQUANTIZE": lower_dequantize}
