/* tinyfw int8 kernels: gemmlowp-style fixed-point functions used by SOFTMAX, LOGISTIC, TANH.
 *
 * A Qm value is an int32 holding real = raw / 2^(31 - m). The functions reproduce the results
 * of gemmlowp's fixedpoint.h (as TFLite Micro's reference kernels use it) bit for bit:
 * int32 additions wrap, products are SaturatingRoundingDoublingHighMul, rescales round half
 * away from zero and saturate.
 */
#ifndef TFW_FIXEDPOINT_H
#define TFW_FIXEDPOINT_H

#include "tfw_compiler.h"

#include <stdint.h>

#include "tfw_qmath.h"

#ifdef __cplusplus
extern "C" {
#endif

static inline int32_t tfw_fp_add(int32_t a, int32_t b) { return (int32_t)((uint32_t)a + (uint32_t)b); }
static inline int32_t tfw_fp_sub(int32_t a, int32_t b) { return (int32_t)((uint32_t)a - (uint32_t)b); }
static inline int32_t tfw_fp_neg(int32_t a) { return (int32_t)(0u - (uint32_t)a); }

/* x * 2^exponent, saturating for exponent > 0, rounding for exponent < 0. */
static inline int32_t tfw_fp_mul_pot(int32_t x, int32_t exponent)
{
    if (exponent > 0) {
        const int32_t threshold = (int32_t)((1u << (31 - exponent)) - 1u);
        if (x > threshold) {
            return INT32_MAX;
        }
        if (x < -threshold) {
            return INT32_MIN;
        }
        return (int32_t)((uint32_t)x << exponent);
    }
    if (exponent < 0) {
        return tfw_rdbpot(x, -exponent);
    }
    return x;
}

/* gemmlowp RoundingHalfSum for int32. */
static inline int32_t tfw_fp_rounding_half_sum(int32_t a, int32_t b)
{
    const int64_t sum = (int64_t)a + (int64_t)b;
    const int64_t sign = sum >= 0 ? 1 : -1;
    return (int32_t)((sum + sign) / 2);
}

/* exp(a) for a in [-1/4, 0), a and result in Q0. */
static inline int32_t tfw_fp_exp_quarter(int32_t a)
{
    const int32_t constant_term = 1895147668;     /* exp(-1/8) */
    const int32_t constant_1_over_3 = 715827883;  /* 1/3 */
    const int32_t x = tfw_fp_add(a, 1 << 28);     /* a + 1/8 */
    const int32_t x2 = tfw_srdhm(x, x);
    const int32_t x3 = tfw_srdhm(x2, x);
    const int32_t x4 = tfw_srdhm(x2, x2);
    const int32_t x4_over_4 = tfw_fp_mul_pot(x4, -2);
    const int32_t poly = tfw_fp_mul_pot(
        tfw_fp_add(tfw_srdhm(tfw_fp_add(x4_over_4, x3), constant_1_over_3), x2), -1);
    return tfw_fp_add(constant_term, tfw_srdhm(constant_term, tfw_fp_add(x, poly)));
}

/* exp(a) for a <= 0 given in Q(integer_bits); result in Q0. */
static inline int32_t tfw_fp_exp_on_negative_values(int32_t a, int32_t integer_bits)
{
    const int32_t frac_bits = 31 - integer_bits;
    const int32_t one_quarter = (int32_t)(1u << (frac_bits - 2));
    const int32_t mask = one_quarter - 1;
    const int32_t a_mod_quarter_minus_one_quarter = tfw_fp_sub(a & mask, one_quarter);
    /* Rescale to Q0: multiply by 2^(integer_bits - 0). */
    int32_t result = tfw_fp_exp_quarter(tfw_fp_mul_pot(a_mod_quarter_minus_one_quarter, integer_bits));
    const int32_t remainder = tfw_fp_sub(a_mod_quarter_minus_one_quarter, a);

    static const int32_t tfw_exp_multipliers[7] = {
        1672461947, /* exp(-1/4) */
        1302514674, /* exp(-1/2) */
        790015084,  /* exp(-1)   */
        290630308,  /* exp(-2)   */
        39332535,   /* exp(-4)   */
        720401,     /* exp(-8)   */
        242,        /* exp(-16)  */
    };
    for (int32_t e = -2; e <= 4; ++e) {
        if (integer_bits > e) {
            const int32_t shift_amount = frac_bits + e;
            if (remainder & (int32_t)(1u << shift_amount)) {
                result = tfw_srdhm(result, tfw_exp_multipliers[e + 2]);
            }
        }
    }
    if (integer_bits > 5) {
        const int32_t clamp = -(int32_t)(1u << (36 - integer_bits)); /* -32.0 */
        if (a < clamp) {
            result = 0;
        }
    }
    if (a == 0) {
        result = INT32_MAX; /* One() in Q0 */
    }
    return result;
}

/* Newton-Raphson estimate of 1 / (half_denominator * 2) in Q2, gemmlowp's three iterations
 * from 48/17 - 32/17 * d (shared by the two quotients below). */
static inline int32_t tfw_fp_newton_reciprocal_q2(int32_t half_denominator)
{
    const int32_t constant_48_over_17 = 1515870810;      /* Q2 */
    const int32_t constant_neg_32_over_17 = -1010580540; /* Q2 */
    const int32_t one_q2 = 1 << 29;
    int32_t x = tfw_fp_add(constant_48_over_17, tfw_srdhm(half_denominator, constant_neg_32_over_17));
    for (int i = 0; i < 3; ++i) {
        const int32_t half_denominator_times_x = tfw_srdhm(half_denominator, x);
        const int32_t one_minus = tfw_fp_sub(one_q2, half_denominator_times_x);
        x = tfw_fp_add(x, tfw_fp_mul_pot(tfw_srdhm(x, one_minus), 2));
    }
    return x;
}

/* 1 / (1 + a) for a in [0, 1) in Q0; result in Q0. */
static inline int32_t tfw_fp_one_over_one_plus_x(int32_t a)
{
    const int32_t x = tfw_fp_newton_reciprocal_q2(tfw_fp_rounding_half_sum(a, INT32_MAX));
    /* ExactMulByPot<-1> then Rescale<0> from Q1: multiply by 2^1 with saturation. */
    return tfw_fp_mul_pot(x, 1);
}

/* (1 - a) / (1 + a) for a in [0, 1) in Q0; result in Q0. */
static inline int32_t tfw_fp_one_minus_x_over_one_plus_x(int32_t a)
{
    const int32_t x = tfw_fp_newton_reciprocal_q2(tfw_fp_rounding_half_sum(a, INT32_MAX));
    /* Rescale<0>(x - One) from Q2. */
    return tfw_fp_mul_pot(tfw_fp_sub(x, 1 << 29), 2);
}

/* TFLM GetReciprocal: 1 / x for x in Q(x_integer_digits) > 0; returns Q0 scale and the number
 * of bits over unit. */
static inline int32_t tfw_fp_reciprocal(int32_t x, int32_t x_integer_digits, int32_t *num_bits_over_unit)
{
    const int32_t headroom_plus_one = (int32_t)TFW_CLZ((uint32_t)x);
    *num_bits_over_unit = x_integer_digits - headroom_plus_one;
    const int32_t shifted_sum_minus_one =
        (int32_t)(((uint32_t)x << headroom_plus_one) - (1u << 31));
    return tfw_fp_one_over_one_plus_x(shifted_sum_minus_one);
}

/* gemmlowp logistic(): 1 / (1 + exp(-a)) for a in Q(integer_bits); result in Q0. */
static inline int32_t tfw_fp_logistic(int32_t a, int32_t integer_bits)
{
    if (a == 0) {
        return 1 << 30; /* one half */
    }
    const int32_t neg_abs = a > 0 ? tfw_fp_neg(a) : a;
    const int32_t if_positive =
        tfw_fp_one_over_one_plus_x(tfw_fp_exp_on_negative_values(neg_abs, integer_bits));
    return a > 0 ? if_positive : tfw_fp_sub(INT32_MAX, if_positive);
}

/* gemmlowp tanh() for a in Q(integer_bits); result in Q0. -tanh(n) for n = -|a| is
 * (1 - exp(2n)) / (1 + exp(2n)), where 2n is the same raw value read with one more integer bit
 * (ExactMulByPot<1>), so nothing overflows. */
static inline int32_t tfw_fp_tanh(int32_t a, int32_t integer_bits)
{
    if (a == 0) {
        return 0;
    }
    const int32_t n = a < 0 ? a : tfw_fp_neg(a);
    const int32_t t =
        tfw_fp_one_minus_x_over_one_plus_x(tfw_fp_exp_on_negative_values(n, integer_bits + 1));
    return a < 0 ? tfw_fp_neg(t) : t;
}

#ifdef __cplusplus
}
#endif

#endif /* TFW_FIXEDPOINT_H */
