/* tinyfw int8 kernels: fixed-point requantization helpers.
 *
 * Bit-exact twins of TFLite Micro's double-rounding arithmetic
 * (tensorflow/lite/kernels/internal/common.h, gemmlowp fixedpoint) and of
 * codegen/qmath.py, which computes every multiplier/shift at generation time.
 *
 *   tfw_srdhm(a, b)   SaturatingRoundingDoublingHighMul: (a * b * 2 + 2^31) >> 32 with
 *                     rounding half away from zero; saturates INT32_MIN * INT32_MIN.
 *   tfw_rdbpot(x, e)  RoundingDivideByPOT: x / 2^e, rounding half away from zero, e in [0, 31].
 *   tfw_mbqm(x, m, s) MultiplyByQuantizedMultiplier: x * m * 2^(s - 31);
 *                     m in [2^30, 2^31) (or 0), s in [-31, 30], s > 0 is a left shift.
 *                     Same value as tfw_rdbpot(tfw_srdhm(x << s, m), -s), fewer instructions.
 */
#ifndef TFW_QMATH_H
#define TFW_QMATH_H

#include <stdint.h>

static inline int32_t tfw_srdhm(int32_t a, int32_t b)
{
    if (a == b && a == INT32_MIN) {
        return INT32_MAX;
    }
    const int64_t ab = (int64_t)a * (int64_t)b;
    const int64_t nudge = ab >= 0 ? (1LL << 30) : (1 - (1LL << 30));
    /* C division truncates toward zero, as gemmlowp's does. */
    return (int32_t)((ab + nudge) / (1LL << 31));
}

static inline int32_t tfw_rdbpot(int32_t x, int32_t exponent)
{
    const int32_t mask = (int32_t)((1LL << exponent) - 1);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* The same value as tfw_rdbpot(tfw_srdhm(x * 2^left, m), right), computed with one 64-bit
 * multiply-accumulate (SMULL/SMLAL, also on a Cortex-M3) and shifts.
 *
 * Why it is exact (m >= 0, so the product P = x * m has the sign of x or is 0):
 * - tfw_srdhm(a, m) = floor((a * m + 2^30) / 2^31) for every a when m != INT32_MIN (gemmlowp's
 *   nudge of 1 - 2^30 with truncating division equals this floor for a negative product).
 * - shift >= 0: that is the whole result (tfw_rdbpot by 0 is the identity).
 * - shift = -e < 0: tfw_rdbpot(t, e) = floor((t + 2^(e-1) - [t < 0]) / 2^e). With
 *   t = floor((P + 2^30) / 2^31) and floor(floor(a) / k) = floor(a / k), the result is
 *   floor((P + 2^30 - [t < 0] * 2^31 + 2^(30+e)) / 2^(31+e)). [t < 0] may be replaced by
 *   [x < 0]: they differ only where t = 0, and there both give floor((2^(e-1) - {0,1}) / 2^e) = 0.
 *   So p = P + (x < 0 ? -2^30 : 2^30) and the result is floor((floor(p / 2^31) / 2^(e-1) + 1) / 2),
 *   where floor(p / 2^31) fits an int32 (|p| < 2^62) and the + 1 cannot overflow.
 * tests/test_ops_qmath_requantize.py compares it with the two-step definition on edge and random
 * values, on the host and on the targets. */
static inline int32_t tfw_mbqm(int32_t x, int32_t multiplier, int32_t shift)
{
    if (shift >= 0) {
        /* x * 2^left wraps like TFLM's int32 multiply (done unsigned to stay defined). */
        const int32_t shifted = (int32_t)((uint32_t)x << shift);
        return (int32_t)(((int64_t)shifted * multiplier + (1LL << 30)) >> 31);
    }
    /* x < 0 ? -2^30 : 2^30, written so that it becomes the SMLAL accumulator's initial value. */
    const int64_t round = (int64_t)(int32_t)(((uint32_t)x & 0x80000000u) | 0x40000000u);
    const int64_t p = (int64_t)x * multiplier + round;
    const int32_t q = (int32_t)(p >> 31);
    return ((q >> (-shift - 1)) + 1) >> 1;
}

static inline int32_t tfw_clamp(int32_t x, int32_t lo, int32_t hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

#endif /* TFW_QMATH_H */
