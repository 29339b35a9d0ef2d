"""Op cases on the targets under QEMU: the same committed packs, built with PlatformIO for a
Cortex-M4F (mps2_an386, hard float, DSP) and a Cortex-M3 (lm3s6965evb, soft float), compared
byte for byte with TFLite Micro, to catch target-only differences (float boundary kernels,
fixed-point helpers, shifts and wrap-around on Arm).

By default every pack runs on the M4F and a subset on the M3; TFW_OPS_TARGET=all runs every
pack on both boards."""

from __future__ import annotations

import os

import pytest
from opcases import harness, opcases

pytestmark = [pytest.mark.qemu, pytest.mark.toolchain]

M3 = ["float_boundary", "tanh", "hard_swish", "mul", "leaky_relu", "average_pool_2d", "sub"]
ALL = [p.name for p in opcases.PACKS]


def _params() -> list[tuple[str, str]]:
    if os.environ.get(harness.TARGET_ENV, "").strip().lower() == "all":
        return [(b, n) for b in ("mps2_an386", "lm3s6965evb") for n in ALL]
    return [("mps2_an386", n) for n in ALL] + [("lm3s6965evb", n) for n in M3]


@pytest.fixture(scope="module")
def board_dirs(tmp_path_factory):
    """One PlatformIO build folder per board for the whole module (kernels compile once)."""
    return {b: tmp_path_factory.mktemp(f"target-{b}") for b in ("mps2_an386", "lm3s6965evb")}


@pytest.mark.parametrize("board,name", _params(), ids=lambda v: v)
def test_op_cases_match_tflite_micro_on_the_target_under_qemu(board, name, board_dirs):
    run = harness.run_on_target(harness.committed_pack(name), board, board_dirs[board])
    harness.assert_bit_exact(run)
