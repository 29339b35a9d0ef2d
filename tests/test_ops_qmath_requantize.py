"""tfw_mbqm and tfw_mbqm_rs (firmware/kernels/tfw_qmath.h), the requantization every int8 kernel
ends with, are computed with one 64-bit multiply-accumulate and shifts. They must give the same
value as the two-step definition TFLite Micro uses, RoundingDivideByPOT(
SaturatingRoundingDoublingHighMul(x * 2^left, m), right), written here as gemmlowp writes it, for
every int32 x, every multiplier in [2^30, 2^31) or 0 and every shift in [-31, 30] (tfw_mbqm_rs:
shift <= -2); tfw_srdhm (any a, b) and tfw_rdbpot must equal gemmlowp's. Edge values (int32
extremes, powers of two and their neighbours, the rounding ties of every shift) and seeded random
ones, on the host (gcc with ASan/UBSan) and on a Cortex-M4F and a Cortex-M3 under QEMU. The
two-step definition itself is checked against codegen/qmath.py (numpy, int64)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tinyfw.codegen import qmath
from tinyfw.paths import KERNELS, ROOT
from tinyfw.sim.build import build_firmware
from tinyfw.sim.qemu import run_elf

pytestmark = [pytest.mark.qemu, pytest.mark.toolchain]

RANDOM_CASES = 200_000  # random (x, m, shift) triples after the edge grid
SEED = 20261128

# One C file for the host and the targets. OUT(...) prints through printf or the board UART.
CHECK_C = r"""
#include <stdint.h>
#include "tfw_qmath.h"

static uint32_t rng_state;
static uint32_t next_u32(void)
{
    /* xorshift32 */
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    rng_state = x;
    return x;
}

/* gemmlowp's SaturatingRoundingDoublingHighMul and RoundingDivideByPOT, written as gemmlowp
 * writes them (tfw_srdhm is checked against this one). */
static int32_t gemmlowp_srdhm(int32_t a, int32_t b)
{
    if (a == b && a == INT32_MIN) {
        return INT32_MAX;
    }
    const int64_t ab = (int64_t)a * (int64_t)b;
    const int64_t nudge = ab >= 0 ? (1LL << 30) : (1 - (1LL << 30));
    return (int32_t)((ab + nudge) / (1LL << 31));
}

static int32_t gemmlowp_rdbpot(int32_t x, int32_t exponent)
{
    const int32_t mask = (int32_t)((1LL << exponent) - 1);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

static int32_t two_step(int32_t x, int32_t m, int32_t shift)
{
    const int32_t left = shift > 0 ? shift : 0;
    const int32_t right = shift > 0 ? 0 : -shift;
    return gemmlowp_rdbpot(gemmlowp_srdhm((int32_t)((uint32_t)x << left), m), right);
}

static uint32_t cases, mismatches;
static int32_t bad_x, bad_m, bad_s, bad_got, bad_want;

static void mismatch(int32_t x, int32_t m, int32_t s, int32_t got, int32_t want)
{
    if (got != want && mismatches++ == 0) {
        bad_x = x; bad_m = m; bad_s = s; bad_got = got; bad_want = want;
    }
}

/* tfw_mbqm, and tfw_mbqm_rs where it applies (s <= -2), against the two-step definition;
 * tfw_srdhm and tfw_rdbpot against gemmlowp's. */
static void check(int32_t x, int32_t m, int32_t s)
{
    const int32_t want = two_step(x, m, s);
    ++cases;
    mismatch(x, m, s, tfw_mbqm(x, m, s), want);
    if (s <= -2) {
        const int32_t rs = -s - 1;
        mismatch(x, m, s, tfw_mbqm_rs(x, m, rs, 1 << (rs - 1)), want);
    }
    mismatch(x, m, 99, tfw_srdhm(x, m), gemmlowp_srdhm(x, m));
    mismatch(x, -m, 99, tfw_srdhm(x, -m), gemmlowp_srdhm(x, -m));
    mismatch(x, INT32_MIN, 99, tfw_srdhm(x, INT32_MIN), gemmlowp_srdhm(x, INT32_MIN));
    if (s <= 0) {
        mismatch(x, 0, s, tfw_rdbpot(x, -s), gemmlowp_rdbpot(x, -s));
    }
}

static void run_checks(uint32_t seed, uint32_t random_cases)
{
    static const int32_t ms[] = {0, 1073741824, 1073741825, 1431655765, 1518500250,
                                 2147483646, 2147483647};
    int32_t xs[160];
    int n = 0;
    xs[n++] = 0; xs[n++] = 1; xs[n++] = -1; xs[n++] = INT32_MAX; xs[n++] = INT32_MIN;
    xs[n++] = INT32_MIN + 1; xs[n++] = INT32_MAX - 1;
    for (int k = 1; k < 31; ++k) {
        const int32_t p = (int32_t)(1u << k);
        xs[n++] = p; xs[n++] = p - 1; xs[n++] = -p; xs[n++] = -p + 1; xs[n++] = -p - 1;
    }
    for (int s = -31; s <= 30; ++s) {
        for (int i = 0; i < n; ++i) {
            for (unsigned j = 0; j < sizeof ms / sizeof ms[0]; ++j) {
                check(xs[i], ms[j], s);
            }
        }
    }
    /* Ties: x * m lands exactly on a rounding boundary of the first or the second step. */
    for (int s = -31; s <= -1; ++s) {
        for (int32_t t = -40; t <= 40; ++t) {
            /* m = 2^30: srdhm(x, 2^30) = round(x / 2); x = t * 2^(-s) +- small. */
            const int64_t base = (int64_t)t * ((int64_t)1 << (-s));
            for (int d = -2; d <= 2; ++d) {
                const int64_t x = base + d;
                if (x >= INT32_MIN && x <= INT32_MAX) {
                    check((int32_t)x, 1073741824, s);
                    check((int32_t)(2 * (x / 2)), 1073741824, s);
                }
            }
        }
    }
    rng_state = seed;
    for (uint32_t i = 0; i < random_cases; ++i) {
        const uint32_t r = next_u32();
        int32_t x = (int32_t)next_u32();
        /* magnitudes spread over every bit length, as accumulators are */
        x >>= (r & 31u);
        const int32_t m = (r >> 5) % 16u == 0 ? 0 : (int32_t)(0x40000000u | (next_u32() >> 2));
        const int32_t s = (int32_t)((r >> 9) % 62u) - 31;
        check(x, m, s);
    }
}
"""

HOST_MAIN = r"""
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv)
{
    if (argc != 3) return 2;
    run_checks((uint32_t)strtoul(argv[1], 0, 10), (uint32_t)strtoul(argv[2], 0, 10));
    printf("qmath cases=%u mismatches=%u first=%d,%d,%d got=%d want=%d\n", cases, mismatches,
           bad_x, bad_m, bad_s, bad_got, bad_want);
    /* then: two_step on stdin triples, for the comparison with codegen/qmath.py */
    long x, m, s;
    while (scanf("%ld %ld %ld", &x, &m, &s) == 3) {
        printf("%d\n", two_step((int32_t)x, (int32_t)m, (int32_t)s));
    }
    return 0;
}
"""

TARGET_MAIN = r"""
#include "board.h"
int main(void)
{
    board_init();
    run_checks(SEED, RANDOM_CASES);
    board_uart_puts("qmath cases=");
    board_put_u32(cases);
    board_uart_puts(" mismatches=");
    board_put_u32(mismatches);
    board_uart_puts(" first=");
    board_put_i32(bad_x);
    board_uart_puts(",");
    board_put_i32(bad_m);
    board_uart_puts(",");
    board_put_i32(bad_s);
    board_uart_puts(" got=");
    board_put_i32(bad_got);
    board_uart_puts(" want=");
    board_put_i32(bad_want);
    board_uart_puts("\n");
    board_exit(0);
}
"""


def _result(lines: list[str]) -> str:
    line = next((ln for ln in lines if ln.startswith("qmath cases=")), None)
    assert line is not None, lines[-5:]
    return line


@pytest.fixture(scope="module")
def host_exe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("gcc") is None:
        pytest.fail("gcc is not installed: apt-get install -y gcc (or make setup)")
    d = tmp_path_factory.mktemp("qmath")
    (d / "check.c").write_text(CHECK_C + HOST_MAIN)
    exe = d / "check"
    subprocess.run(
        ["gcc", "-std=c11", "-O1", "-Wall", "-Wextra", "-Werror", "-fsanitize=address,undefined",
         "-fno-sanitize-recover=all", f"-I{KERNELS}", str(d / "check.c"), "-o", str(exe)],
        check=True,
    )
    return exe


def test_requantization_equals_the_two_step_definition_on_the_host(host_exe: Path):
    out = subprocess.run([host_exe, str(SEED), str(RANDOM_CASES)], input="", capture_output=True,
                         text=True, check=True).stdout.splitlines()
    line = _result(out)
    assert " mismatches=0 " in line, line
    assert int(line.split()[1].split("=")[1]) > RANDOM_CASES


def test_the_two_step_definition_equals_codegen_qmath(host_exe: Path):
    rng = np.random.default_rng(SEED)
    n = 20_000
    x = (rng.integers(-(2**31), 2**31, n) >> rng.integers(0, 32, n)).astype(np.int64)
    m = rng.integers(2**30, 2**31, n).astype(np.int64)
    m[::13] = 0
    s = rng.integers(-31, 31, n).astype(np.int64)
    text = "\n".join(f"{a} {b} {c}" for a, b, c in zip(x, m, s, strict=True)) + "\n"
    out = subprocess.run([host_exe, "1", "0"], input=text, capture_output=True, text=True,
                         check=True).stdout.splitlines()[1:]
    got = np.array([int(v) for v in out], dtype=np.int64)
    want = qmath.multiply_by_quantized_multiplier(x, m, s)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("board", ["mps2_an386", "lm3s6965evb"])
def test_requantization_equals_the_two_step_definition_on_the_target(
        board: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    src = tmp_path / "src"
    src.mkdir()
    (src / "main.c").write_text(
        f"#define SEED {SEED}u\n#define RANDOM_CASES {RANDOM_CASES}u\n" + CHECK_C + TARGET_MAIN)
    monkeypatch.setenv("TINYFW_EXTRA_SRC", str(src))  # main() from here, no app, no model
    res = build_firmware(ROOT, board, app="none", generated=Path("none"),
                         build_dir=tmp_path / "pio")
    run = run_elf(res.elf, board, timeout_s=120)
    assert run.exit_code == 0, run.uart_lines[-5:]
    line = _result(run.uart_lines)
    assert " mismatches=0 " in line, line
    assert int(line.split()[1].split("=")[1]) > RANDOM_CASES
