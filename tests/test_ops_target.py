"""Op cases on the targets under QEMU: the same committed packs, built with PlatformIO for every
simulated board in boards/ (Cortex-M4F mps2_an386 with hard float and DSP, the soft-float
Cortex-M3s, M7, M33), compared byte for byte with TFLite Micro, to catch target-only differences
(float boundary kernels, fixed-point helpers, shifts and wrap-around on Arm).

By default every pack runs on the Cortex-M4 boards and a subset on the others; TFW_OPS_TARGET=all
runs every pack on every board."""

from __future__ import annotations

import os

import pytest
from opcases import harness, opcases

from tinyfw.sim.boards import simulated_boards

pytestmark = [pytest.mark.qemu, pytest.mark.toolchain]

M3 = ["float_boundary", "tanh", "hard_swish", "mul", "leaky_relu", "average_pool_2d", "sub"]
ALL = [p.name for p in opcases.PACKS]
BOARDS = simulated_boards()


def _params() -> list[tuple[str, str]]:
    every = os.environ.get(harness.TARGET_ENV, "").strip().lower() == "all"
    return [(b.id, n) for b in BOARDS
            for n in (ALL if every or b.cpu == "cortex-m4" else M3)]


@pytest.fixture(scope="module")
def board_dirs(tmp_path_factory):
    """One PlatformIO build folder per board for the whole module (kernels compile once)."""
    return {b.id: tmp_path_factory.mktemp(f"target-{b.id}") for b in BOARDS}


@pytest.mark.parametrize("board,name", _params(), ids=lambda v: v)
def test_op_cases_match_tflite_micro_on_the_target_under_qemu(board, name, board_dirs):
    run = harness.run_on_target(harness.committed_pack(name), board, board_dirs[board])
    harness.assert_bit_exact(run)
