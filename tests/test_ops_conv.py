"""CONV_2D and DEPTHWISE_CONV_2D: random committed op cases, bit-exact with TFLite Micro on the
host (gcc + ASan/UBSan). Cases: tests/opcases/data/manifest.json; more seeds with
TFW_OPCASE_SEEDS (see tests/opcases/harness.py)."""

from __future__ import annotations

import pytest
from opcases import harness


@pytest.mark.parametrize(
    "pack",
    harness.pack_params("conv2d", "conv2d_per_tensor", "depthwise_conv2d",
                        "depthwise_conv2d_per_tensor"),
    ids=harness.param_id,
)
def test_convolution_cases_match_tflite_micro_on_every_output_byte(pack, tmp_path):
    harness.assert_bit_exact(harness.run_on_host(harness.load(pack), tmp_path))
