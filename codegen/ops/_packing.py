"""Prepare-time layouts and folds for the int8 dot-product kernels (CONV_2D, FULLY_CONNECTED):
the pair-packed filter layout of firmware/kernels/tfw_dot_s8.h, input offsets folded into the
bias, and which conv patches the kernel can read in place (so that no scratch is planned when
none is needed). No OPS here."""

from __future__ import annotations

import math

import numpy as np

from tinyfw.codegen.qmath import wrap_int32


def round_up4(k: int) -> int:
    return (k + 3) // 4 * 4


def pack_row_pairs(rows: np.ndarray, groups: int = 1) -> np.ndarray:
    """[R, K] int8 rows -> tfw_dot_s8.h's pair-packed layout, 1-D int8.

    Per group (R / groups consecutive rows), rows two by two; each row zero-padded to K4; a pair
    interleaves 4 values of the first row with 4 of the second; an odd last row of a group is
    paired with itself.
    """
    r, k = rows.shape
    k4 = round_up4(k)
    padded = np.zeros((r, k4), dtype=np.int8)
    padded[:, :k] = rows
    per_group = r // groups
    out = []
    for g in range(groups):
        for j in range(0, per_group, 2):
            a = g * per_group + j
            b = a + 1 if j + 1 < per_group else a
            pair = np.stack([padded[a].reshape(-1, 4), padded[b].reshape(-1, 4)], axis=1)
            out.append(pair.reshape(-1))
    return np.concatenate(out).astype(np.int8)


def fold_bias(bias: np.ndarray | None, rows: np.ndarray, input_offset: int,
              extra: int = 0) -> np.ndarray:
    """bias[r] + input_offset * sum(rows[r]) + extra, wrapped to int32 (bias may be None)."""
    r = rows.shape[0]
    b = np.zeros(r, dtype=np.int64) if bias is None else np.asarray(bias, dtype=np.int64)
    sums = rows.astype(np.int64).reshape(r, -1).sum(axis=1)
    return wrap_int32(b + input_offset * sums + extra)


def _patch_starts(input_shape: tuple[int, int, int, int], kernel: tuple[int, int, int],
                  output_hw: tuple[int, int], stride: tuple[int, int],
                  dilation: tuple[int, int], pad: tuple[int, int]) -> list[int] | None:
    """Where each output pixel's patch starts in the input (bytes), when every patch is one
    contiguous run inside it (groups 1, kh 1, kw 1 or dilation_w 1, no padded tap); else None.
    The one walk conv_patches_in_place and conv_strip decide from."""
    n, ih, iw, ic = input_shape
    kh, kw, kc = kernel
    oh, ow = output_hw
    if kc != ic or kh != 1 or (kw != 1 and dilation[1] != 1):
        return None
    starts = []
    for b in range(n):
        for oy in range(oh):
            y = oy * stride[0] - pad[0]
            for ox in range(ow):
                x = ox * stride[1] - pad[1]
                if not (0 <= y < ih and x >= 0 and x + kw <= iw):
                    return None
                starts.append(((b * ih + y) * iw + x) * ic)
    return starts


def conv_patches_in_place(input_shape: tuple[int, int, int, int], kernel: tuple[int, int, int],
                          output_hw: tuple[int, int], stride: tuple[int, int],
                          dilation: tuple[int, int], pad: tuple[int, int]) -> bool:
    """True when tfw_conv2d_s8 reads every output pixel's patch in place (its conv_in_place rule:
    groups 1, kh 1, kw 1 or dilation_w 1, the window inside the input and K4 bytes readable
    before the input ends), so it needs no scratch."""
    starts = _patch_starts(input_shape, kernel, output_hw, stride, dilation, pad)
    if starts is None:
        return False
    k4 = round_up4(kernel[0] * kernel[1] * kernel[2])
    return all(s + k4 <= math.prod(input_shape) for s in starts)


def conv_scratch_bytes(input_shape: tuple[int, int, int, int], kernel: tuple[int, int, int],
                       output_hw: tuple[int, int], stride: tuple[int, int],
                       dilation: tuple[int, int], pad: tuple[int, int]) -> int:
    """tfw_conv2d_s8_scratch_bytes: 0 when every patch is read in place, else 2 * K4 (two
    gathered patches). tests/test_ops_conv.py checks it against the C function."""
    if conv_patches_in_place(input_shape, kernel, output_hw, stride, dilation, pad):
        return 0
    return 2 * round_up4(kernel[0] * kernel[1] * kernel[2])


def conv_strip(input_shape: tuple[int, int, int, int], kernel: tuple[int, int, int],
               output_hw: tuple[int, int], stride: tuple[int, int],
               dilation: tuple[int, int], pad: tuple[int, int]) -> tuple[int, int] | None:
    """(in_step, slack) when tfw_conv2d_s8_strip can run this conv: groups 1, every output
    pixel's patch one contiguous run inside the input (kh 1, kw 1 or dilation_w 1, no padded
    tap), pixel i's starting at i * in_step; slack = how many bytes the last pixel's K4 read
    runs past the input's end (the planner pads the input's slot by that much). Else None."""
    starts = _patch_starts(input_shape, kernel, output_hw, stride, dilation, pad)
    if starts is None:
        return None
    step = starts[1] - starts[0] if len(starts) > 1 else 0
    if starts[0] != 0 or any(s != i * step for i, s in enumerate(starts)):
        return None
    k4 = round_up4(kernel[0] * kernel[1] * kernel[2])
    return step, max(0, starts[-1] + k4 - math.prod(input_shape))


def strip_records(bias: np.ndarray, mult: list[int], shift: list[int]) -> np.ndarray:
    """tfw_conv2d_s8_strip's records, per output channel pair (a, b; an odd last channel paired
    with itself): bias_a, bias_b, multiplier_a, multiplier_b, rs_a, rs_b with rs = -shift - 1
    (every shift <= -2). int32, 6 per pair."""
    oc = len(mult)
    out = []
    for a in range(0, oc, 2):
        b = a + 1 if a + 1 < oc else a
        assert shift[a] <= -2 and shift[b] <= -2
        out += [int(bias[a]), int(bias[b]), mult[a], mult[b], -shift[a] - 1, -shift[b] - 1]
    return np.asarray(out, dtype=np.int64)
