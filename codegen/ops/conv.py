"""CONV_2D lowering -> tfw_conv2d_s8_strip when every patch is one contiguous run of the input
at a fixed step (Conv1D VALID, 1x1 convs) and every shift <= -2, else tfw_conv2d_s8
(firmware/kernels/tfw_conv2d_s8.c).

Besides TFLM's Prepare (per-channel multipliers, padding, activation range) this folds the
input offset into the bias and pair-packs the filter (codegen/ops/_packing.py), and plans a
scratch buffer only when some patch cannot be read in place."""

from __future__ import annotations

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
from tinyfw.codegen.ops._packing import (
    conv_scratch_bytes,
    conv_strip,
    fold_bias,
    pack_row_pairs,
    round_up4,
    strip_records,
)
from tinyfw.codegen.ops._util import check_shifts


def lower_conv2d(op: Op, ctx: LowerContext) -> Lowered:
    x, w, b, y = weighted_operands(op, ctx, "filter")
    if len(x.shape) != 4 or len(w.shape) != 4 or len(y.shape) != 4:
        raise ctx.error(op, f"expects 4-D input/filter/output, got {x.shape} {w.shape} {y.shape}")
    if any(z != 0 for z in w.quant.zero_point):
        raise ctx.error(op, f"{w.describe()} must be symmetric (zero point 0)")
    check_bias_length(op, ctx, b, y.shape[3])
    o = op.options
    act = fused_activation(op, ctx)
    sh, sw, dh, dw = conv_strides(op, ctx)
    n, ih, iw, ic = x.shape
    oc, kh, kw, kc = w.shape
    if kc < 1 or ic % kc:
        raise ctx.error(op, f"input depth {ic} is not a multiple of filter depth {kc}")
    groups = ic // kc
    if oc % groups:
        raise ctx.error(op, f"output depth {oc} is not a multiple of the {groups} groups")
    pad = o.get("padding", "SAME")
    oh = compute_out_size(pad, ih, kh, sh, dh)
    ow = compute_out_size(pad, iw, kw, sw, dw)
    if y.shape != (n, oh, ow, oc):
        raise ctx.error(op, f"output shape {y.shape} does not match {(n, oh, ow, oc)}")
    if len(w.quant.scale) not in (1, oc):
        raise ctx.error(op, f"{w.describe()} has {len(w.quant.scale)} scales for {oc} channels")

    mult, shift = per_channel_requant(x.scale, w.quant.scale, y.scale, oc)
    check_shifts(ctx, op, shift, "input x filter / output scales")
    act_min, act_max = activation_range(act, y)
    pad_h = compute_padding(pad, ih, kh, sh, dh, oh)
    pad_w = compute_padding(pad, iw, kw, sw, dw, ow)
    rows = w.array().reshape(oc, kh * kw * kc)
    folded = fold_bias(b.array() if b is not None else None, rows, -x.zero_point)
    filt, _ = ctx.const(op, "filter", "int8_t", pack_row_pairs(rows, groups),
                        f"{w.name} {w.shape}, pair-packed")
    strip = conv_strip(x.shape, (kh, kw, kc), (oh, ow), (sh, sw), (dh, dw), (pad_h, pad_w))
    if strip is not None and not x.is_const and all(s <= -2 for s in shift):
        step, slack = strip
        rec, _ = ctx.const(op, "records", "int32_t", strip_records(folded, mult, shift),
                           "per channel pair: bias a, b (+ input offset x filter sums), "
                           "multiplier a, b, rs a, b (-shift - 1)")
        return Lowered(
            op=op,
            # the ReLU entry only where its shorter requantization is exact (see its header)
            kernel="tfw_conv2d_s8_strip_relu"
            if (act_min, act_max) == (-128, 127) and y.zero_point <= act_min
            else "tfw_conv2d_s8_strip",
            header="tfw_conv2d_s8.h",
            params_type="tfw_conv2d_strip_params",
            params={
                "pixels": n * oh * ow,
                "in_step": step,
                "k4": round_up4(kh * kw * kc),
                "out_c": oc,
                "output_offset": y.zero_point,
                "act_min": act_min,
                "act_max": act_max,
            },
            args=[
                Arg("tensor", tensor=x.index, const=True),
                Arg("const", "int8_t", name=filt.name),
                Arg("const", "int32_t", name=rec.name),
                Arg("tensor", tensor=y.index),
            ],
            consts=[filt, rec],
            input_slack=slack,
            macs=n * oh * ow * oc * kh * kw * kc,
            note=f"{kh}x{kw} stride {sh}x{sw} dil {dh}x{dw} {pad} {act}, strip: patch i at "
            f"{step} * i{f', input padded by {slack} B' if slack else ''}",
        )
    bias, _ = ctx.const(op, "bias", "int32_t", folded,
                        f"{b.name if b is not None else 'no bias'} + input offset x filter sums")
    m_arr, m_ref = ctx.const(op, "mult", "int32_t", mult)
    s_arr, s_ref = ctx.const(op, "shift", "int32_t", shift)
    consts = [filt, bias, m_arr, s_arr]
    scratch = conv_scratch_bytes(x.shape, (kh, kw, kc), (oh, ow), (sh, sw), (dh, dw),
                                 (pad_h, pad_w))
    args = [
        Arg("tensor", tensor=x.index, const=True),
        Arg("const", "int8_t", name=filt.name),
        Arg("const", "int32_t", name=bias.name),
        Arg("scratch", "int8_t") if scratch else Arg("null", "int8_t"),
        Arg("tensor", tensor=y.index),
    ]
    params = {
        "input": shape4(x.shape),
        "filter": shape4(w.shape),
        "output": shape4(y.shape),
        "stride_h": sh,
        "stride_w": sw,
        "dilation_h": dh,
        "dilation_w": dw,
        "pad_h": pad_h,
        "pad_w": pad_w,
        "input_offset": -x.zero_point,
        "output_offset": y.zero_point,
        "act_min": act_min,
        "act_max": act_max,
        "requant": {"multiplier": m_ref, "shift": s_ref},
    }
    return Lowered(
        op=op,
        kernel="tfw_conv2d_s8",
        header="tfw_conv2d_s8.h",
        params_type="tfw_conv2d_params",
        params=params,
        args=args,
        consts=consts,
        scratch_bytes=scratch,
        macs=n * oh * ow * oc * kh * kw * kc,
        note=f"{kh}x{kw} stride {sh}x{sw} dil {dh}x{dw} {pad} {act} groups {groups}"
        f"{'' if not scratch else ', patches gathered'}",
    )


OPS = {"CONV_2D": lower_conv2d}
