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
 *   tfw_mbqm_rs(x, m, rs, round_hi)  the same for s <= -2 with rs = -s - 1 and
 *                     round_hi = 2^(rs - 1) prepared by the caller: fewer still.
 */
#ifndef TFW_QMATH_H
#define TFW_QMATH_H

#include <stdint.h>

#include "tfw_compiler.h"

#if TFW_HAS_SAT
#include <arm_acle.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

static inline int32_t tfw_srdhm(int32_t a, int32_t b)
{
    if (a == b && a == INT32_MIN) {
        return INT32_MAX;
    }
    /* gemmlowp: (ab + (ab >= 0 ? 2^30 : 1 - 2^30)) / 2^31 with truncating division. For a
     * negative numerator truncation is the ceiling, and ceil((ab + 1 - 2^30) / 2^31) =
     * floor((ab + 2^30) / 2^31); for ab >= 0 it is that floor too: one arithmetic shift. */
    return (int32_t)(((int64_t)a * (int64_t)b + (1LL << 30)) >> 31);
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
    /* p = x * multiplier + (x < 0 ? -2^30 : 2^30); q = floor(p / 2^31). */
    const int32_t round_lo = (int32_t)(((uint32_t)x & 0x80000000u) | 0x40000000u);
#if TFW_HAS_THUMB2
    /* One SMLAL onto the sign-extended rounding term (ARMv7-M and later, M3 included). Written
     * out because GCC, once the same multiplier is used twice, may CSE its sign extension and
     * fall back to a 64x64 multiply (UMULL + 2 MLA). */
    uint32_t lo = (uint32_t)round_lo;
    int32_t hi = round_lo >> 31;
    __asm__("smlal %0, %1, %2, %3" : "+r"(lo), "+r"(hi) : "r"(x), "r"(multiplier));
    const int32_t q = (int32_t)(((uint32_t)hi << 1) | (lo >> 31));
#else
    const int64_t p = (int64_t)x * multiplier + round_lo;
    const int32_t q = (int32_t)(p >> 31);
#endif
    return ((q >> (-shift - 1)) + 1) >> 1;
}

/* tfw_mbqm for shift <= -2, the usual case of conv and fully-connected outputs, in fewer
 * instructions when a kernel prepares, per channel, rs = -shift - 1 and round_hi = 2^(rs - 1)
 * (once for all the outputs of that channel). With e = -shift, the result above is
 * floor((p + 2^(30+e)) / 2^(31+e)), p = x * m + (x < 0 ? -2^30 : 2^30); for e >= 2 the
 * 2^(30+e) is round_hi in the high word, so: one SMLAL onto that 64-bit start value, then the
 * high word >> rs (|p + 2^(30+e)| < 2^63: no overflow). */
static inline int32_t tfw_mbqm_rs(int32_t x, int32_t multiplier, int32_t rs, int32_t round_hi)
{
    const int32_t round_lo = (int32_t)(((uint32_t)x & 0x80000000u) | 0x40000000u);
#if TFW_HAS_THUMB2
    uint32_t lo = (uint32_t)round_lo;
    int32_t hi = (round_lo >> 31) + round_hi;
    __asm__("smlal %0, %1, %2, %3" : "+r"(lo), "+r"(hi) : "r"(x), "r"(multiplier));
    (void)lo;
#else
    const int64_t p = (int64_t)x * multiplier + round_lo + (int64_t)round_hi * (1LL << 32);
    const int32_t hi = (int32_t)(p >> 32);
#endif
    return hi >> rs;
}

/* Accumulators of channels a and b (acc[0], acc[1]) requantized in place: tfw_mbqm_rs when
 * both shifts are <= -2 (the usual case), tfw_mbqm otherwise. The dot-product kernels call it
 * once per row of a 2x2 block; after inlining the per-channel rs and round_hi are shared. */
static inline void tfw_mbqm_pair(int32_t acc[2], int32_t m_a, int32_t s_a, int32_t m_b,
                                 int32_t s_b)
{
    if (s_a <= -2 && s_b <= -2) {
        const int32_t rs_a = -s_a - 1, rs_b = -s_b - 1;
        acc[0] = tfw_mbqm_rs(acc[0], m_a, rs_a, 1 << (rs_a - 1));
        acc[1] = tfw_mbqm_rs(acc[1], m_b, rs_b, 1 << (rs_b - 1));
    } else {
        acc[0] = tfw_mbqm(acc[0], m_a, s_a);
        acc[1] = tfw_mbqm(acc[1], m_b, s_b);
    }
}

static inline int32_t tfw_clamp(int32_t x, int32_t lo, int32_t hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

/* tfw_clamp(x, -128, 127): one SSAT on ARMv7-M (M3 included). */
static inline int32_t tfw_sat8(int32_t x)
{
#if TFW_HAS_SAT
    return __ssat(x, 8);
#else
    return tfw_clamp(x, -128, 127);
#endif
}

#ifdef __cplusplus
}
#endif

#endif /* TFW_QMATH_H */
