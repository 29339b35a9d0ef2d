"""The C post-processing (firmware/app/postprocess.c) agrees step for step with
model/postprocess.py on seeded random output sequences."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tinyfw.model.postprocess import METHODS, PostParams, postprocess_sequence

ROOT = Path(__file__).resolve().parents[1]
CFLAGS = ["-std=c11", "-O1", "-Wall", "-Wextra", "-Werror", "-fsanitize=address,undefined",
          "-fno-sanitize-recover=all"]

HARNESS = r"""
#include <stdio.h>
#include "postprocess.h"

/* stdin: sequences; each: method n_classes vote threshold windows, then windows * n_classes
 * int8 outputs. stdout: per sequence one line "cls,act cls,act ...". */
static tfw_post_state state;

int main(void)
{
    int sequences;
    if (scanf("%d", &sequences) != 1) return 2;
    for (int k = 0; k < sequences; ++k) {
        tfw_post_params p;
        int windows;
        if (scanf("%d %d %d %d %d", &p.method, &p.n_classes, &p.vote, &p.threshold,
                  &windows) != 5) return 2;
        if (tfw_post_init(&p, &state) != 0) return 3;
        for (int w = 0; w < windows; ++w) {
            int8_t out[TFW_POST_MAX_CLASSES];
            for (int c = 0; c < p.n_classes; ++c) {
                int v;
                if (scanf("%d", &v) != 1) return 2;
                out[c] = (int8_t)v;
            }
            const int32_t cls = tfw_argmax_s8(out, p.n_classes);
            const int32_t act = tfw_post_update(&p, &state, cls, out);
            printf("%d,%d%c", (int)cls, (int)act, w + 1 == windows ? '\n' : ' ');
        }
        if (windows == 0) printf("\n");
    }
    return 0;
}
"""


@pytest.fixture(scope="module")
def postprocess_exe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("gcc") is None:
        pytest.fail("gcc is not installed: apt-get install -y gcc (or make setup)")
    d = tmp_path_factory.mktemp("postprocess_c")
    (d / "main.c").write_text(HARNESS)
    exe = d / "postprocess"
    subprocess.run(
        ["gcc", *CFLAGS, f"-I{ROOT / 'firmware/app'}", str(d / "main.c"),
         str(ROOT / "firmware/app/postprocess.c"), "-o", str(exe)],
        check=True,
    )
    return exe


def run_c(exe: Path, cases: list[tuple[PostParams, np.ndarray]]) -> list[np.ndarray]:
    lines = [str(len(cases))]
    for p, outputs in cases:
        lines.append(f"{p.method_code} {p.n_classes} {p.vote} {p.threshold_q} {len(outputs)}")
        lines.append(" ".join(map(str, outputs.ravel().tolist())))
    out = subprocess.run([exe], input="\n".join(lines) + "\n", capture_output=True, text=True,
                         check=True).stdout.splitlines()
    return [np.array([s.split(",") for s in line.split()], dtype=np.int64).reshape(-1, 2)
            for line in out]


def random_outputs(rng: np.random.Generator, n_windows: int, n_classes: int) -> np.ndarray:
    """Softmax-like int8 outputs that stay on one class for a while, with ties and noise."""
    kind = rng.integers(0, 3)
    if kind == 0:  # few distinct values: many ties in argmax and in the vote
        return rng.choice([-128, -1, 0, 127], size=(n_windows, n_classes)).astype(np.int8)
    if kind == 1:
        return rng.integers(-128, 128, size=(n_windows, n_classes)).astype(np.int8)
    truth = np.repeat(rng.integers(0, n_classes, size=n_windows // 5 + 1), 5)[:n_windows]
    out = rng.integers(-128, -60, size=(n_windows, n_classes))
    flip = rng.random(n_windows) < 0.3
    winner = np.where(flip, rng.integers(0, n_classes, size=n_windows), truth)
    out[np.arange(n_windows), winner] = rng.integers(-20, 128, size=n_windows)
    return out.astype(np.int8)


def test_c_post_processing_matches_python_on_random_sequences(postprocess_exe: Path):
    rng = np.random.default_rng(424242)
    cases = []
    for _ in range(300):
        n_classes = int(rng.choice([1, 2, 3, 5, 12, 255]))
        p = PostParams(
            method=str(rng.choice(METHODS)),
            n_classes=n_classes,
            vote=int(rng.choice([1, 2, 3, 4, 5, 8, 255])),
            threshold_q=int(rng.choice([-128, -20, 0, 26, 127, 128])),
        )
        cases.append((p, random_outputs(rng, int(rng.integers(0, 300)), n_classes)))
    for (p, outputs), got in zip(cases, run_c(postprocess_exe, cases), strict=True):
        cls, act = postprocess_sequence(p, outputs)
        expected = np.stack([cls, act], axis=1) if len(outputs) else np.zeros((0, 2), np.int64)
        np.testing.assert_array_equal(got, expected, err_msg=str(p))
