"""The benchmark model (bench) goes through the specialized paths, and the bench reports
them. Speed itself is measured by `make bench` (exact instruction counts), never asserted here:
these tests only check that the paths the numbers rely on are the ones taken.

- The generated C calls the specialized kernels: MEAN as tfw_mean_contiguous_s8, CONV_2D and
  FULLY_CONNECTED with pair-packed filters and offset-folded biases, the second conv reading
  its patches in place (no scratch).
- The Cortex-M4F build of the conv kernel holds the DSP instructions (SMLAD, SXTB16) and the
  Cortex-M3 build does not (plain C path).
- `python -m tinyfw.sim.bench` reports per-op instructions whose sum is the total within the
  stamps' rounding, and an output equal to TFLite Micro's.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from opcases import harness

from tinyfw import cli
from tinyfw.codegen.generate import compile_model, write_generated
from tinyfw.codegen.ops._packing import fold_bias, pack_row_pairs
from tinyfw.codegen.tflite_reader import read_model
from tinyfw.paths import BENCH, ROOT
from tinyfw.sim.build import build_firmware

pytestmark = pytest.mark.toolchain

MODEL = BENCH / "har_anchor_int8.tflite"



@pytest.fixture(scope="module")
def code():
    return compile_model(read_model(MODEL))


def test_the_benchmark_model_calls_the_specialized_kernels(code):
    kernels = [(low.op.opcode, low.kernel) for low in code.lowered if low.kernel]
    assert kernels == [
        ("CONV_2D", "tfw_conv2d_s8_strip_relu"),
        ("MAX_POOL_2D", "tfw_max_pool2d_s8"),
        ("CONV_2D", "tfw_conv2d_s8_strip_relu"),
        ("MEAN", "tfw_mean_contiguous_s8"),
        ("FULLY_CONNECTED", "tfw_fully_connected_s8"),
        ("FULLY_CONNECTED", "tfw_fully_connected_s8"),
        ("SOFTMAX", "tfw_softmax_s8"),
    ]
    model_c = code.files["model.c"]
    assert "tfw_mean_contiguous_s8(&model_op5_params" in model_c
    convs = [low for low in code.lowered if low.kernel == "tfw_conv2d_s8_strip_relu"]
    # both convs read their patches in place at a fixed step (no scratch): the 1x5 conv over
    # 52 x 3 (K = 15, K4 = 16) reads one byte past its input, so the planner pads that slot
    assert [low.scratch_bytes for low in convs] == [0, 0]
    assert [low.params["in_step"] for low in convs] == [3, 8]
    assert [low.input_slack for low in convs] == [1, 0]
    x = convs[0].op.inputs[0]
    slot = next(b for b in code.plan.buffers if code.plan.tensor_offset[x] == b.offset
                and b.first <= convs[0].op.index <= b.last)
    assert slot.size >= code.graph.tensors[x].nbytes + 1
    assert re.search(r"tfw_conv2d_s8_strip_relu\(&model_op3_params, ", model_c)
    # the ReLU entry's shorter requantization is exact only for this clamp (tfw_conv2d_s8.h)
    assert all((c.params["act_min"], c.params["act_max"], c.params["output_offset"])
               == (-128, 127, -128) for c in convs)


def test_filters_are_pair_packed_and_biases_offset_folded(code):
    graph = code.graph
    for low in code.lowered:
        if low.kernel not in ("tfw_conv2d_s8", "tfw_fully_connected_s8"):
            if low.kernel.startswith("tfw_conv2d_s8_strip"):
                check_strip_records(code.graph, low)
            continue
        w = graph.tensors[low.op.inputs[1]]
        b = graph.tensors[low.op.inputs[2]]
        x = graph.tensors[low.op.inputs[0]]
        rows = w.array().reshape(w.shape[0], -1)
        consts = {c.name.rsplit("_", 1)[-1]: c.values for c in low.consts}
        filt = consts["filter"] if "filter" in consts else consts["weights"]
        np.testing.assert_array_equal(filt, pack_row_pairs(rows))
        np.testing.assert_array_equal(consts["bias"], fold_bias(b.array(), rows, -x.zero_point))


def check_strip_records(graph, low):
    """The strip entry's filter is pair-packed and its records hold, per channel pair, the
    offset-folded biases, TFLM's multipliers and -shift - 1 (recomputed here from the scales)."""
    from tinyfw.codegen.qmath import quantize_multiplier

    x, w, b = (graph.tensors[i] for i in low.op.inputs[:3])
    y = graph.tensors[low.op.outputs[0]]
    rows = w.array().reshape(w.shape[0], -1)
    consts = {c.name.rsplit("_", 1)[-1]: c.values for c in low.consts}
    np.testing.assert_array_equal(consts["filter"], pack_row_pairs(rows))
    bias = fold_bias(b.array(), rows, -x.zero_point)
    rec = consts["records"].reshape(-1, 6)
    for j, (a, bb) in enumerate((a, min(a + 1, rows.shape[0] - 1))
                                for a in range(0, rows.shape[0], 2)):
        m = [quantize_multiplier(x.scale * w.quant.scale[c] / y.scale) for c in (a, bb)]
        assert list(rec[j]) == [bias[a], bias[bb], m[0][0], m[1][0], -m[0][1] - 1, -m[1][1] - 1]


@pytest.fixture(scope="module")
def builds(code, tmp_path_factory):
    """The bench app for a Cortex-M4F and a Cortex-M3 (built, not run)."""
    work = tmp_path_factory.mktemp("perf-builds")
    files = dict(code.files)
    files["bench_input.h"] = (
        "#include <stdint.h>\nstatic const int8_t bench_input[156] = {0};\n")
    gen = work / "generated"
    write_generated(gen, files, force=True)
    return {board: build_firmware(ROOT, board, app="bench", generated=gen,
                                  build_dir=work / board).elf
            for board in ("mps2_an386", "lm3s6965evb")}


def test_the_m4_build_uses_the_dsp_instructions_and_the_m3_build_does_not(builds):
    m4 = harness.disassembly(builds["mps2_an386"], "tfw_conv2d_s8_strip_relu")
    m3 = harness.disassembly(builds["lm3s6965evb"], "tfw_conv2d_s8_strip_relu")
    for insn in ("smlad", "sxtb16"):
        assert re.search(rf"\s{insn}\s", m4), f"no {insn} in the Cortex-M4F conv"
        assert not re.search(rf"\s{insn}\s", m3), f"{insn} in the Cortex-M3 conv"


def test_the_bench_reports_every_op_and_a_bit_exact_output(tmp_path):
    out = tmp_path / "bench.json"
    assert cli.main(["bench", "--board", "mps2_an386", "--work", str(tmp_path / "work"),
                     "--json", str(out)]) == 0
    r = json.loads(out.read_text())["tinyfw"][0]
    assert r["bit_exact"] and r["outputs"] == r["oracle_outputs"]
    ops = r["per_op"]
    assert [o["op"] for o in ops] == list(range(9))
    assert [o["opcode"] for o in ops][:3] == ["RESHAPE", "CONV_2D", "MAX_POOL_2D"]
    # each stamp interval is within about one instruction of its op
    assert abs(sum(o["instructions"] for o in ops) - r["instructions"]) <= len(ops) * 2
