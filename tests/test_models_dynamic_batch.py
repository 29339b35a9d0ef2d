"""Models whose only dynamic dimension is the batch (`shape_signature` -1 in dimension 0) are run
as batch 1, as TFLite Micro runs them (its tensors take the stored shape); any other dynamic
dimension is refused with one line (tests/test_bad_models.py, tests/test_ops_rejections.py).

The models as others publish them: the four MLPerf Tiny reference models (bench/mlperf_tiny/,
converted with a dynamic batch) and a Keras conversion without batch_size
(tests/bad_inputs/models/tf_int8_dynamic_batch.tflite)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import assert_one_line_error, run_inproc
from tflite_edit import edited

from tinyfw.cli import main as tinyfw_main
from tinyfw.codegen.generate import compile_model
from tinyfw.codegen.tflite_reader import read_model
from tinyfw.paths import BENCH_MODEL, MLPERF_TINY, ROOT

MODELS = Path(__file__).parent / "bad_inputs" / "models"
MLPERF = {  # file: (input shape as stored, dynamic batch in its shape_signature)
    "ad01_int8.tflite": (1, 640),
    "kws_ref_model.tflite": (1, 49, 10, 1),
    "vww_96_int8.tflite": (1, 96, 96, 3),
    "pretrainedResnet_quant.tflite": (1, 32, 32, 3),
}


def _signature(data: bytes, tensor: int) -> list[int] | None:
    from tflite_edit import unpack

    sig = unpack(data).subgraphs[0].tensors[tensor].shapeSignature
    return None if sig is None else [int(d) for d in sig]


def _kernels(code) -> list[tuple[str, str]]:
    return [(low.kernel, json.dumps(low.params, sort_keys=True, default=str))
            for low in code.lowered]


def test_a_dynamic_batch_compiles_to_the_same_kernels_as_the_fixed_batch_model():
    data = edited(lambda m: setattr(m.subgraphs[0].tensors[0], "shapeSignature", [-1, 52, 3]))
    assert _signature(data, 0) == [-1, 52, 3]
    dynamic = compile_model(read_model(data=data))
    fixed = compile_model(read_model(BENCH_MODEL))
    assert _kernels(dynamic) == _kernels(fixed)
    assert dynamic.plan.arena_size == fixed.plan.arena_size


@pytest.mark.parametrize("name", sorted(MLPERF))
def test_the_mlperf_tiny_models_are_read_as_batch_1(name):
    path = MLPERF_TINY / name
    data = path.read_bytes()
    graph = read_model(path)
    inp = graph.tensors[graph.inputs[0]]
    assert _signature(data, graph.inputs[0])[0] == -1  # published with a dynamic batch
    assert inp.shape == MLPERF[name]
    code = compile_model(graph)
    assert code.macs > 0 and code.plan.arena_size > 0


def test_a_keras_model_converted_without_a_batch_size_generates(tmp_path):
    path = MODELS / "tf_int8_dynamic_batch.tflite"
    assert _signature(path.read_bytes(), 0) == [-1, 52, 3]
    out = tmp_path / "gen"
    r = run_inproc(["--project", str(ROOT), "generate", "--model", str(path), "--out", str(out)])
    assert r.status == 0, r.err
    desc = json.loads((out / "model.json").read_text())
    assert [i["nbytes"] for i in desc["inputs"]] == [52 * 3]  # one window: batch 1


def test_a_dynamic_length_is_still_refused_with_one_line(tmp_path):
    path = MODELS / "tf_int8_dynamic_length.tflite"
    assert _signature(path.read_bytes(), 0) == [1, -1, 3]
    out = tmp_path / "gen"
    r = run_inproc(["--project", str(ROOT), "generate", "--model", str(path), "--out", str(out)])
    assert_one_line_error(r, file=path, field="tensor 0",
                          words=("dynamic shape", "only the batch"))
    assert not out.exists()


@pytest.mark.qemu
@pytest.mark.toolchain
@pytest.mark.parametrize("name", ["kws_ref_model.tflite"])
def test_mlperf_tiny_models_run_bit_exact_with_tflite_micro_under_qemu(name, tmp_path, capsys):
    """KWS (CONV_2D through the generic and the strip entries, DEPTHWISE_CONV_2D,
    AVERAGE_POOL_2D, FULLY_CONNECTED, SOFTMAX) on the Cortex-M4F; AD, VWW and IC run in
    `make bench-mlperf` (each output checked against the oracle there)."""
    report = tmp_path / "verify.json"
    status = tinyfw_main(["--project", str(ROOT), "verify", "--model", str(MLPERF_TINY / name),
                          "--board", "mps2_an386", "--inputs", "2", "--json", str(report)])
    out = capsys.readouterr().out
    assert status == 0, out
    r = json.loads(report.read_text())
    assert r["inputs"] == 2 and r["mismatches"] == 0
