"""QUANTIZE (int8 -> int8 requantization; float32 -> int8 at a model input) and DEQUANTIZE
(int8 -> float32 at a model output): random committed op cases, bit-exact with TFLite Micro on
the host (float outputs compared bit for bit)."""

from __future__ import annotations

import pytest
from opcases import harness


@pytest.mark.parametrize("pack", harness.pack_params("quantize", "float_boundary"),
                         ids=harness.param_id)
def test_quantize_cases_match_tflite_micro_on_every_output_byte(pack, tmp_path):
    harness.assert_bit_exact(harness.run_on_host(harness.load(pack), tmp_path))
