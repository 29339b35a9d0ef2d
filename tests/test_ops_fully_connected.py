"""FULLY_CONNECTED (per-channel and per-tensor weights, with and without bias, keep_num_dims,
fused RELU/RELU6): random committed op cases, bit-exact with TFLite Micro on the host."""

from __future__ import annotations

import pytest
from opcases import harness


@pytest.mark.parametrize("pack", harness.family_params("fully_connected"),
                         ids=harness.param_id)
def test_fully_connected_cases_match_tflite_micro_on_every_output_byte(pack, tmp_path):
    harness.assert_bit_exact(harness.run_on_host(harness.load(pack), tmp_path))
