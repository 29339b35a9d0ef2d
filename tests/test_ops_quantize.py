"""QUANTIZE (int8 -> int8 requantization; float32 -> int8 at a model input) and DEQUANTIZE
(int8 -> float32 at a model output): random committed op cases, bit-exact with TFLite Micro on
the host (float outputs compared bit for bit)."""

from __future__ import annotations

import numpy as np
import pytest
from opcases import harness

from tinyfw.codegen.tflite_reader import read_model
from tinyfw.paths import ROOT
from tinyfw.sim import verify as V


@pytest.mark.parametrize("pack", harness.family_params("quantize"),
                         ids=harness.param_id)
def test_quantize_cases_match_tflite_micro_on_every_output_byte(pack, tmp_path):
    harness.assert_bit_exact(harness.run_on_host(harness.load(pack), tmp_path))


def special_float_records(pack: harness.Pack, n: int = 6) -> list:
    """Float inputs TFLite's QUANTIZE must also get right: NaN, infinities, values beyond the
    int32 range (x86's conversion gives INT32_MIN; Arm's would saturate), denormals, signed
    zeros, and exact rounding ties (k + 0.5) * scale."""
    specials = np.array([np.nan, np.inf, -np.inf, 1e30, -1e30, 3e9, -3e9, 2.2e9, -2.2e9, 1e-40,
                         -1e-40, -0.0, 0.0], dtype=np.float32)
    rng = np.random.default_rng(2024)
    records = []
    for _ in range(n):
        rec = []
        for io in V.model_inputs(read_model(data=pack.tflite)):
            size = int(np.prod(io.shape))
            ties = ((rng.integers(-140, 140, size) + 0.5) * np.float32(io.scale)).astype(
                np.float32)
            a = np.where(rng.random(size) < 0.5, rng.choice(specials, size), ties)
            rec.append(a.astype(np.float32).reshape(io.shape))
        records.append(rec)
    return records


@pytest.mark.parametrize("where", ["host", "mps2_an386", "lm3s6965evb"])
def test_float_quantize_handles_nan_infinities_huge_values_and_ties_like_tflite_micro(
        where, tmp_path):
    pack = harness.committed_pack("float_boundary")
    run = harness.prepare(pack, 2)
    records = special_float_records(pack)
    oracle = V.Oracle(pack.tflite)
    expected = [oracle.run_bytes(r, len(run.graph.outputs)) for r in records]
    if where == "host":
        got, _ = V.run_host(run.code, records, tmp_path)
    else:
        build = V.build_target(run.code, where, tmp_path, ROOT)
        got = V.run_target(build, records, tmp_path, project_root=ROOT)
    mismatches = V.compare_outputs(run.graph, expected, got)
    assert not mismatches, mismatches[:3]
