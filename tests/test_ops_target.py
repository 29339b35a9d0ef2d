"""Op cases on the targets under QEMU: the same committed packs, built with PlatformIO for every
simulated board in boards/ (Cortex-M4F mps2_an386 with hard float and DSP, the soft-float
Cortex-M3s, M7, M33), compared byte for byte with TFLite Micro, to catch target-only differences
(float boundary kernels, fixed-point helpers, shifts and wrap-around on Arm).

In `make test` every pack runs on the Cortex-M4 MPS2 board, a subset on the other boards (a
quick one on the boards of QUICK, within the suite's time budget); `make test-nightly` (marker
nightly) and TFW_OPS_TARGET=all run every pack on every board. A pack whose verification
firmware does not fit a board's memory (the 16 KB of the micro:bit) must be refused by the
build in one line naming the manifest field and by how much it overflowed."""

from __future__ import annotations

import os

import pytest
from opcases import harness, opcases

from tinyfw.errors import InputError
from tinyfw.sim.boards import load_board, simulated_boards
from tinyfw.sim.build import LIMIT_FIELDS

pytestmark = [pytest.mark.qemu, pytest.mark.toolchain]

M3 = ["float_boundary", "tanh", "hard_swish", "mul", "leaky_relu", "average_pool_2d", "sub"]
ALL = [p.name for p in opcases.PACKS]
BOARDS = simulated_boards()


# Boards added after the M3 subset was chosen: in `make test` only these packs (the rest nightly).
# The micro:bit's are packs whose verification firmware fits its 16 KB of RAM.
QUICK = {"microbit": ["mul", "average_pool_2d"], "mps3_an547": ["mul"], "netduinoplus2": ["mul"]}


def _params() -> list:
    every = os.environ.get(harness.TARGET_ENV, "").strip().lower() == "all"
    params = []
    for b in BOARDS:
        quick = QUICK.get(b.id, ALL if b.cpu == "cortex-m4" and b.family == "mps2" else M3)
        for n in ALL:
            if every or n in quick:
                params.append((b.id, n))
            else:
                params.append(pytest.param(b.id, n, marks=pytest.mark.nightly))
    return params


@pytest.fixture(scope="module")
def board_dirs(tmp_path_factory):
    """One PlatformIO build folder per board for the whole module (kernels compile once)."""
    return {b.id: tmp_path_factory.mktemp(f"target-{b.id}") for b in BOARDS}


@pytest.mark.parametrize("board,name", _params(), ids=lambda v: v)
def test_op_cases_match_tflite_micro_on_the_target_under_qemu(board, name, board_dirs):
    try:
        run = harness.run_on_target(harness.committed_pack(name), board, board_dirs[board])
    except InputError as e:
        info = load_board(board)
        if e.field not in LIMIT_FIELDS or name in QUICK.get(board, ()) or info.ram_bytes > 2**16:
            raise
        # too big for this board: refused in one line with the manifest, field and numbers
        line = e.one_line()
        assert line.startswith(f"{info.manifest}: {e.field}: the firmware does not fit"), line
        assert "overflowed by" in line and f"{info.ram_bytes} B RAM" in line, line
        return
    harness.assert_bit_exact(run)
