"""MAX_POOL_2D, AVERAGE_POOL_2D and MEAN (any axes, keep_dims): random committed op cases,
bit-exact with TFLite Micro on the host."""

from __future__ import annotations

import pytest
from opcases import harness


@pytest.mark.parametrize("pack", harness.family_params("pool"),
                         ids=harness.param_id)
def test_pooling_and_mean_cases_match_tflite_micro_on_every_output_byte(pack, tmp_path):
    harness.assert_bit_exact(harness.run_on_host(harness.load(pack), tmp_path))
