"""The C preprocessing (firmware/app/preprocess.c) agrees bit for bit with model/preprocess.py."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tinyfw.model.preprocess import PreprocessParams, preprocess_window

ROOT = Path(__file__).resolve().parents[1]
CFLAGS = ["-std=c11", "-O1", "-Wall", "-Wextra", "-Werror", "-fsanitize=address,undefined",
          "-fno-sanitize-recover=all"]

HARNESS = r"""
#include <stdio.h>
#include <stdlib.h>
#include "preprocess.h"

/* stdin: cases; each: multiplier shift zero_point length channels center, then the raw
 * window (length * channels values). stdout: the int8 outputs, one line per case. */
int main(void)
{
    int cases;
    if (scanf("%d", &cases) != 1) return 2;
    for (int k = 0; k < cases; ++k) {
        tfw_preprocess_params p;
        if (scanf("%d %d %d %d %d %d", &p.multiplier, &p.shift, &p.zero_point, &p.length,
                  &p.channels, &p.center) != 6) return 2;
        const int n = p.length * p.channels;
        int16_t *raw = malloc(sizeof *raw * (size_t)n);
        int8_t *out = malloc((size_t)n);
        for (int i = 0; i < n; ++i) {
            int v;
            if (scanf("%d", &v) != 1) return 2;
            raw[i] = (int16_t)v;
        }
        tfw_preprocess(raw, out, &p);
        for (int i = 0; i < n; ++i) printf("%d%c", out[i], i + 1 == n ? '\n' : ' ');
        free(raw);
        free(out);
    }
    return 0;
}
"""


@pytest.fixture(scope="module")
def preprocess_exe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("gcc") is None:
        pytest.fail("gcc is not installed: apt-get install -y gcc (or make setup)")
    d = tmp_path_factory.mktemp("preprocess_c")
    (d / "main.c").write_text(HARNESS)
    exe = d / "preprocess"
    subprocess.run(
        ["gcc", *CFLAGS, f"-I{ROOT / 'firmware/app'}", f"-I{ROOT / 'firmware/kernels'}",
         str(d / "main.c"), str(ROOT / "firmware/app/preprocess.c"), "-o", str(exe)],
        check=True,
    )
    return exe


def run_c(exe: Path, cases: list[tuple[PreprocessParams, np.ndarray]]) -> list[np.ndarray]:
    lines = [str(len(cases))]
    for p, raw in cases:
        lines.append(f"{p.multiplier} {p.shift} {p.zero_point} {p.length} {p.channels} "
                     f"{int(p.center)}")
        lines.append(" ".join(map(str, raw.ravel().tolist())))
    out = subprocess.run([exe], input="\n".join(lines) + "\n", capture_output=True, text=True,
                         check=True).stdout.splitlines()
    return [np.array(line.split(), dtype=np.int64).reshape(raw.shape)
            for line, (_, raw) in zip(out, cases, strict=True)]


def random_case(rng: np.random.Generator) -> tuple[PreprocessParams, np.ndarray]:
    """Random scales and zero points; raw windows from the sensor range, the int16 extremes,
    or constant windows whose mean is a half (to exercise the mean's rounding)."""
    length = int(rng.choice([1, 2, 3, 7, 52, 78, 104]))
    channels = int(rng.integers(1, 5))
    unit_scale = float(10 ** rng.uniform(-4, -2))
    input_scale = float(10 ** rng.uniform(-3.5, -0.5))
    params = PreprocessParams.from_quantization(
        unit_scale=unit_scale, input_scale=input_scale,
        input_zero_point=int(rng.integers(-128, 128)),
        length=length, channels=channels, center=bool(rng.integers(0, 2)),
    )
    kind = rng.integers(0, 4)
    if kind == 0:
        raw = rng.integers(-4000, 4001, size=(length, channels))
    elif kind == 1:
        raw = rng.choice([-32768, -32767, -1, 0, 1, 32766, 32767], size=(length, channels))
    elif kind == 2:
        raw = rng.integers(-32768, 32768, size=(length, channels))
    else:  # pairs of values an odd distance apart: means land on .5 (both signs)
        base = rng.integers(-3000, 3000, size=(1, channels))
        raw = base + np.arange(length)[:, None] % 2
        raw = -raw if rng.integers(0, 2) else raw
    return params, raw.astype(np.int16)


def test_c_preprocessing_matches_python_on_random_windows_and_scales(preprocess_exe: Path):
    rng = np.random.default_rng(20260101)
    cases = [random_case(rng) for _ in range(400)]
    for (p, raw), got in zip(cases, run_c(preprocess_exe, cases), strict=True):
        np.testing.assert_array_equal(got, preprocess_window(raw, p), err_msg=str(p))


def test_c_preprocessing_matches_python_for_full_scale_windows_at_the_extreme_scales(
    preprocess_exe: Path,
):
    """The largest centered values (+-65535) at the smallest and largest allowed ratios
    unit_scale / input_scale (shift 0 and shift -31)."""
    rng = np.random.default_rng(7)
    cases = []
    for ratio in (2.0**15 * 0.99, 3.0, 1 / 3.0, 2.0**-17 * 1.01):
        p = PreprocessParams.from_quantization(
            unit_scale=1e-3, input_scale=1e-3 / ratio, input_zero_point=-3, length=8,
            channels=3, center=bool(rng.integers(0, 2)),
        )
        raw = np.full((8, 3), 32767, np.int16)
        raw[0] = -32768  # the mean stays near +32767: the first frame is ~65535 below it
        cases += [(p, raw), (p, (-raw.astype(np.int32) - 1).astype(np.int16))]
    assert {p.shift for p, _ in cases} >= {0, -31}
    for (p, raw), got in zip(cases, run_c(preprocess_exe, cases), strict=True):
        np.testing.assert_array_equal(got, preprocess_window(raw, p), err_msg=str(p))
