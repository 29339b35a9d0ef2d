"""The TFLM oracle wrapper on the benchmark model (bench/har_anchor_int8.tflite)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tinyfw.errors import InputError
from tinyfw.model.oracle import Oracle
from tinyfw.paths import BENCH


@pytest.fixture(scope="module")
def anchor() -> Oracle:
    if not (BENCH / "har_anchor_int8.tflite").exists():
        pytest.fail("the benchmark model is missing (bench)")
    return Oracle(BENCH / "har_anchor_int8.tflite")


@pytest.fixture(scope="module")
def anchor_input() -> np.ndarray:
    return np.loadtxt(BENCH / "har_anchor_input.csv", delimiter=",", dtype=np.int64).astype(
        np.int8
    )


def test_the_oracle_gives_the_benchmarks_published_output(anchor: Oracle, anchor_input):
    out = anchor.run(anchor_input)
    assert out.dtype == np.int8
    assert out.tolist() == [-124, 121, -125]


def test_the_oracle_reports_input_and_output_quantization(anchor: Oracle):
    assert anchor.input.shape == (1, 52, 3) and anchor.input.zero_point == 0
    assert anchor.input.scale == pytest.approx(0.031349, abs=1e-6)
    assert anchor.output.scale == 1 / 256 and anchor.output.zero_point == -128


def test_a_batch_gives_the_same_outputs_as_single_runs(anchor: Oracle, anchor_input):
    rng = np.random.default_rng(5)
    batch = rng.integers(-128, 128, size=(6, 52, 3)).astype(np.int8)
    batch[0] = anchor_input.reshape(52, 3)
    out = anchor.run_batch(batch)
    assert out.shape == (6, 3)
    for x, o in zip(batch, out, strict=True):
        np.testing.assert_array_equal(anchor.run(x), o)


def test_all_intermediate_tensors_are_available_by_operator(anchor: Oracle, anchor_input):
    tensors = anchor.run_all(anchor_input)
    ops = anchor.operators()
    assert [op.name for op in ops] == [
        "RESHAPE", "CONV_2D", "MAX_POOL_2D", "CONV_2D", "RESHAPE", "MEAN", "FULLY_CONNECTED",
        "FULLY_CONNECTED", "SOFTMAX",
    ]
    assert tensors[ops[1].outputs[0]].shape == (1, 1, 48, 8)  # first convolution's output
    assert tensors[ops[-1].outputs[0]].ravel().tolist() == [-124, 121, -125]
    assert "conv1" in anchor.tensor_names()[ops[1].outputs[0]]


def test_a_file_that_is_not_a_model_is_an_input_error(tmp_path: Path):
    bad = tmp_path / "model.tflite"
    bad.write_bytes(b"garbage" * 10)
    with pytest.raises(InputError, match="not a .tflite model") as e:
        Oracle(bad)
    assert e.value.file == str(bad)
    with pytest.raises(InputError, match="cannot read"):
        Oracle(tmp_path / "missing.tflite")
