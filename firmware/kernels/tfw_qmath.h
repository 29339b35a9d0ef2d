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

static inline int32_t tfw_mbqm(int32_t x, int32_t multiplier, int32_t shift)
{
    const int32_t left = shift > 0 ? shift : 0;
    const int32_t right = shift > 0 ? 0 : -shift;
    /* x * 2^left wraps like TFLM's int32 multiply (done unsigned to stay defined). */
    const int32_t shifted = (int32_t)((uint32_t)x << left);
    return tfw_rdbpot(tfw_srdhm(shifted, multiplier), right);
}

static inline int32_t tfw_clamp(int32_t x, int32_t lo, int32_t hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

#endif /* TFW_QMATH_H */
