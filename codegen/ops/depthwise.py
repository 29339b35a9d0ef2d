"""DEPTHWISE_CONV_2D lowering -> tfw_depthwise_conv2d_s8 (firmware/kernels/)."""

from __future__ import annotations

import numpy as np

from tinyfw.codegen.ir import Op
from tinyfw.codegen.lowering import (
    Arg,
    LowerContext,
    Lowered,
    activation_range,
    check_bias_length,
    compute_out_size,
    compute_padding,
    conv_strides,
    fused_activation,
    per_channel_requant,
    shape4,
    weighted_operands,
)
from tinyfw.codegen.ops._util import check_shifts


def lower_depthwise_conv2d(op: Op, ctx: LowerContext) -> Lowered:
    x, w, b, y = weighted_operands(op, ctx, "filter")
    if len(x.shape) != 4 or len(w.shape) != 4 or len(y.shape) != 4:
        raise ctx.error(op, f"expects 4-D input/filter/output, got {x.shape} {w.shape} {y.shape}")
    o = op.options
    act = fused_activation(op, ctx)
    sh, sw, dh, dw = conv_strides(op, ctx)
    n, ih, iw, ic = x.shape
    one, kh, kw, oc = w.shape
    if one != 1:
        raise ctx.error(op, f"filter shape {w.shape} must be [1, kh, kw, channels]")
    if ic < 1 or oc % ic:
        raise ctx.error(op, f"filter channels {oc} are not a multiple of input channels {ic}")
    mult = oc // ic
    # TFLM reads depth_multiplier from the options; it must agree with the filter's shape.
    if o.get("depth_multiplier", mult) != mult:
        raise ctx.error(op, f"depth_multiplier {o.get('depth_multiplier')} does not match "
                        f"{oc} filter channels / {ic} input channels")
    pad = o.get("padding", "SAME")
    oh = compute_out_size(pad, ih, kh, sh, dh)
    ow = compute_out_size(pad, iw, kw, sw, dw)
    if y.shape != (n, oh, ow, oc):
        raise ctx.error(op, f"output shape {y.shape} does not match {(n, oh, ow, oc)}")
    if w.quant.per_channel and (w.quant.axis != 3 or len(w.quant.scale) != oc):
        raise ctx.error(op, f"{w.describe()} must be quantized per output channel (axis 3)")
    check_bias_length(op, ctx, b, oc)
    mult_q, shift_q = per_channel_requant(x.scale, w.quant.scale, y.scale, oc)
    check_shifts(ctx, op, shift_q, "input x filter / output scales")
    act_min, act_max = activation_range(act, y)
    filt, _ = ctx.const(op, "filter", "int8_t", w.array(), f"{w.name} {w.shape}")
    m_arr, m_ref = ctx.const(op, "mult", "int32_t", mult_q)
    s_arr, s_ref = ctx.const(op, "shift", "int32_t", shift_q)
    consts = [filt, m_arr, s_arr]
    args = [Arg("tensor", tensor=x.index, const=True), Arg("const", "int8_t", name=filt.name)]
    if b is not None:
        bias, _ = ctx.const(op, "bias", "int32_t", b.array().astype(np.int64), b.name)
        consts.append(bias)
        args.append(Arg("const", "int32_t", name=bias.name))
    else:
        args.append(Arg("null", "int32_t"))
    args.append(Arg("tensor", tensor=y.index))
    params = {
        "input": shape4(x.shape),
        "filter": shape4(w.shape),
        "output": shape4(y.shape),
        "depth_multiplier": mult,
        "stride_h": sh,
        "stride_w": sw,
        "dilation_h": dh,
        "dilation_w": dw,
        "pad_h": compute_padding(pad, ih, kh, sh, dh, oh),
        "pad_w": compute_padding(pad, iw, kw, sw, dw, ow),
        "input_offset": -x.zero_point,
        "output_offset": y.zero_point,
        "act_min": act_min,
        "act_max": act_max,
        "requant": {"multiplier": m_ref, "shift": s_ref},
    }
    return Lowered(
        op=op,
        kernel="tfw_depthwise_conv2d_s8",
        header="tfw_depthwise_conv2d_s8.h",
        params_type="tfw_depthwise_conv2d_params",
        params=params,
        args=args,
        consts=consts,
        macs=n * oh * ow * oc * kh * kw,
        note=f"{kh}x{kw} x{mult} stride {sh}x{sw} dil {dh}x{dw} {pad} {act}",
    )


OPS = {"DEPTHWISE_CONV_2D": lower_depthwise_conv2d}
