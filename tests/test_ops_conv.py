"""CONV_2D and DEPTHWISE_CONV_2D: random committed op cases, bit-exact with TFLite Micro on the
host (gcc + ASan/UBSan). Cases: tests/opcases/data/manifest.json; more seeds with
TFW_OPCASE_SEEDS (see tests/opcases/harness.py)."""

from __future__ import annotations

import pytest
from opcases import harness


@pytest.mark.parametrize(
    "pack",
    harness.family_params("conv"),
    ids=harness.param_id,
)
def test_convolution_cases_match_tflite_micro_on_every_output_byte(pack, tmp_path):
    harness.assert_bit_exact(harness.run_on_host(harness.load(pack), tmp_path))


_SCRATCH_MAIN = r"""
#include <stdio.h>
#include "tfw_conv2d_s8.h"
int main(void)
{
    tfw_conv2d_params p = {0};
    while (scanf("%d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d", &p.input.n, &p.input.h,
                 &p.input.w, &p.input.c, &p.filter.h, &p.filter.w, &p.filter.c, &p.output.h,
                 &p.output.w, &p.stride_h, &p.stride_w, &p.dilation_h, &p.dilation_w, &p.pad_h,
                 &p.pad_w, &p.output.c, &p.filter.n) == 17) {
        p.output.n = p.input.n;
        printf("%d\n", (int)tfw_conv2d_s8_scratch_bytes(&p));
    }
    return 0;
}
"""


def _random_conv_shapes(rng, count: int):
    """Conv shapes around the in-place rule's edges: groups 1 or more, 1xW and HxW kernels,
    strides, dilations, SAME/VALID-like padding and short inputs whose last patch overruns."""
    from tinyfw.codegen.lowering import compute_out_size, compute_padding

    for _ in range(count):
        n = int(rng.integers(1, 3))
        ih, iw = int(rng.integers(1, 9)), int(rng.integers(1, 17))
        groups = int(rng.choice([1, 1, 1, 2, 3]))
        kc = int(rng.integers(1, 6))
        ic = kc * groups
        kh = int(rng.choice([1, 1, 1, 2, 3])) if rng.random() < 0.7 else 1
        kw = int(rng.integers(1, 6))
        sh, sw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        dh, dw = int(rng.choice([1, 1, 2])), int(rng.choice([1, 1, 2, 3]))
        pad = str(rng.choice(["SAME", "VALID"]))
        oh = compute_out_size(pad, ih, kh, sh, dh)
        ow = compute_out_size(pad, iw, kw, sw, dw)
        if oh < 1 or ow < 1:
            continue
        ph = compute_padding(pad, ih, kh, sh, dh, oh)
        pw = compute_padding(pad, iw, kw, sw, dw, ow)
        yield (n, ih, iw, ic), (kh, kw, kc), (oh, ow), (sh, sw), (dh, dw), (ph, pw), groups


def test_the_generator_plans_exactly_the_conv_scratch_the_kernel_asks_for(tmp_path):
    """codegen's conv_scratch_bytes and the kernel's tfw_conv2d_s8_scratch_bytes agree on 3,000
    random shapes (gcc + ASan/UBSan), both ways: some need scratch, some read in place."""
    import subprocess

    import numpy as np

    from tinyfw.codegen.ops._packing import conv_scratch_bytes
    from tinyfw.paths import KERNELS
    from tinyfw.sim.hostbuild import CFLAGS, SANITIZE, host_cc

    src = tmp_path / "scratch_main.c"
    src.write_text(_SCRATCH_MAIN)
    exe = tmp_path / "scratch"
    subprocess.run([host_cc(), *CFLAGS, *SANITIZE, "-I", str(KERNELS), str(src),
                    str(KERNELS / "tfw_conv2d_s8.c"), "-o", str(exe)], check=True)
    shapes = list(_random_conv_shapes(np.random.default_rng(8), 3000))
    lines = []
    for (n, ih, iw, ic), (kh, kw, kc), (oh, ow), (sh, sw), (dh, dw), (ph, pw), g in shapes:
        lines.append(f"{n} {ih} {iw} {ic} {kh} {kw} {kc} {oh} {ow} {sh} {sw} {dh} {dw} {ph} {pw} "
                     f"{2 * g} {2 * g}")
    out = subprocess.run([str(exe)], input="\n".join(lines) + "\n", capture_output=True,
                         text=True, check=True).stdout.split()
    assert len(out) == len(shapes)
    want = [conv_scratch_bytes(s[0], s[1], s[2], s[3], s[4], s[5]) for s in shapes]
    got = [int(v) for v in out]
    diffs = [(s, w, c) for s, w, c in zip(shapes, want, got, strict=True) if w != c]
    assert not diffs, f"{len(diffs)} shapes differ, first (shape, python, C): {diffs[0]}"
    assert 0 in got and any(v > 0 for v in got)
    assert sum(v == 0 for v in got) > 100  # the in-place branch is exercised, not only gathers
