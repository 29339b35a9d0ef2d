"""MAX_POOL_2D -> tfw_max_pool2d_s8, AVERAGE_POOL_2D -> tfw_avg_pool2d_s8."""

from __future__ import annotations

from tinyfw.codegen.ir import Op
from tinyfw.codegen.lowering import (
    Arg,
    LowerContext,
    Lowered,
    activation_range,
    compute_out_size,
    compute_padding,
    fused_activation,
    int8_unary_operands,
    shape4,
)
from tinyfw.codegen.ops._util import same_quant_tflm


def pool_params(op: Op, ctx: LowerContext) -> dict:
    """Shared by the 2-D pools: validated geometry + activation clamp."""
    x, y = int8_unary_operands(op, ctx)
    if len(x.shape) != 4 or len(y.shape) != 4:
        raise ctx.error(op, f"expects 4-D input/output, got {x.shape} {y.shape}")
    o = op.options
    fh, fw = o.get("filter_height", 0), o.get("filter_width", 0)
    sh, sw = o.get("stride_h", 0), o.get("stride_w", 0)
    if min(fh, fw, sh, sw) < 1:
        raise ctx.error(op, f"filter {fh}x{fw} and stride {sh}x{sw} must be >= 1")
    act = fused_activation(op, ctx)
    pad = o.get("padding", "SAME")
    n, ih, iw, c = x.shape
    oh = compute_out_size(pad, ih, fh, sh, 1)
    ow = compute_out_size(pad, iw, fw, sw, 1)
    if y.shape != (n, oh, ow, c):
        raise ctx.error(op, f"output shape {y.shape} does not match {(n, oh, ow, c)}")
    act_min, act_max = activation_range(act, y)
    return {
        "input": shape4(x.shape),
        "output": shape4(y.shape),
        "filter_h": fh,
        "filter_w": fw,
        "stride_h": sh,
        "stride_w": sw,
        "pad_h": compute_padding(pad, ih, fh, sh, 1, oh),
        "pad_w": compute_padding(pad, iw, fw, sw, 1, ow),
        "act_min": act_min,
        "act_max": act_max,
    }


def lower_max_pool2d(op: Op, ctx: LowerContext) -> Lowered:
    params = pool_params(op, ctx)
    x = ctx.tensor(op.inputs[0])
    y = ctx.tensor(op.outputs[0])
    if not same_quant_tflm(x, y):
        raise ctx.error(op, "input and output quantization must be equal (TFLite requires it)")
    return Lowered(
        op=op,
        kernel="tfw_max_pool2d_s8",
        header="tfw_max_pool2d_s8.h",
        params_type="tfw_pool2d_params",
        params=params,
        args=[Arg("tensor", tensor=x.index, const=True), Arg("tensor", tensor=y.index)],
        note=f"{params['filter_h']}x{params['filter_w']} stride {params['stride_h']}x{params['stride_w']}",
    )


def lower_avg_pool2d(op: Op, ctx: LowerContext) -> Lowered:
    params = pool_params(op, ctx)
    x = ctx.tensor(op.inputs[0])
    y = ctx.tensor(op.outputs[0])
    if not same_quant_tflm(x, y):
        raise ctx.error(op, "input and output quantization must be equal (TFLite requires it)")
    # TFLM's AveragePool fails on a window that lies wholly in the padding; never write one.
    for out_size, in_size, f, s, pad in (
        (params["output"]["h"], params["input"]["h"], params["filter_h"], params["stride_h"],
         params["pad_h"]),
        (params["output"]["w"], params["input"]["w"], params["filter_w"], params["stride_w"],
         params["pad_w"]),
    ):
        for o in range(out_size):
            start = o * s - pad
            if min(f, in_size - start) <= max(0, -start):
                raise ctx.error(op, f"pooling window {o} lies wholly in the padding")
    return Lowered(
        op=op,
        kernel="tfw_avg_pool2d_s8",
        header="tfw_avg_pool2d_s8.h",
        params_type="tfw_pool2d_params",
        params=params,
        args=[Arg("tensor", tensor=x.index, const=True), Arg("tensor", tensor=y.index)],
        note=f"{params['filter_h']}x{params['filter_w']} stride {params['stride_h']}x{params['stride_w']}",
    )


OPS = {"MAX_POOL_2D": lower_max_pool2d, "AVERAGE_POOL_2D": lower_avg_pool2d}
