/* HARD_SWISH int8: see tfw_hard_swish_s8.h. */
#include "tfw_hard_swish_s8.h"

/* gemmlowp SaturatingRoundingDoublingHighMul on int16. */
static inline int16_t srdhm16(int16_t a, int16_t b)
{
    if (a == b && a == INT16_MIN) {
        return INT16_MAX;
    }
    const int32_t ab = (int32_t)a * (int32_t)b;
    const int32_t nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
    return (int16_t)((ab + nudge) / (1 << 15));
}

/* TFLite SaturatingDoublingHighMul on int16 (truncating, like SQDMULH). */
static inline int16_t sdhm16(int16_t a, int16_t b)
{
    if (a == b && a == INT16_MIN) {
        return INT16_MAX;
    }
    const int32_t ab = (int32_t)a * (int32_t)b;
    return (int16_t)(ab / (1 << 15));
}

/* gemmlowp RoundingDivideByPOT on int16, exponent in [0, 31], with int16 mask arithmetic. */
static inline int16_t rdbpot16(int16_t x, int32_t exponent)
{
    const int16_t mask = (int16_t)((1LL << exponent) - 1);
    const int16_t remainder = (int16_t)(x & mask);
    const int16_t threshold = (int16_t)((int16_t)(mask >> 1) + (x < 0 ? 1 : 0));
    const int16_t shifted = (int16_t)((int32_t)x >> exponent);
    return (int16_t)(shifted + (remainder > threshold ? 1 : 0));
}

/* TFLite SaturatingLeftShift on int16. */
static inline int16_t sat_left_shift16(int16_t value, int32_t amount)
{
    int64_t r = (int64_t)value * ((int64_t)1 << amount);
    r = r > INT16_MAX ? INT16_MAX : (r < INT16_MIN ? INT16_MIN : r);
    return (int16_t)r;
}

void tfw_hard_swish_s8(const tfw_hard_swish_params *p, const int8_t *input, int8_t *output)
{
    const int16_t reluish_m = (int16_t)p->reluish_multiplier_fp16;
    const int16_t output_m = (int16_t)p->output_multiplier_fp16;
    const int32_t reluish_e = p->reluish_multiplier_exponent;
    for (int32_t i = 0; i < p->size; ++i) {
        const int16_t x = (int16_t)((int32_t)input[i] - p->input_zero_point);
        const int16_t hires = (int16_t)(x * (1 << 7));
        const int16_t preshift_out = srdhm16(hires, output_m);
        int16_t reluish = hires;
        if (reluish_e > 0) {
            reluish = sat_left_shift16(reluish, reluish_e - 1);
        }
        reluish = srdhm16(reluish, reluish_m);
        if (reluish_e > 0) {
            reluish = sat_left_shift16(reluish, 1);
        }
        if (reluish_e < 0) {
            reluish = rdbpot16(reluish, -reluish_e);
        }
        reluish = (int16_t)(((int32_t)reluish + (1 << 15)) >> 1);
        const int16_t preshift = sdhm16(reluish, preshift_out);
        int16_t out = rdbpot16(preshift, -p->output_multiplier_exponent);
        out = (int16_t)(out + p->output_zero_point);
        out = out > 127 ? 127 : (out < -128 ? -128 : out);
        output[i] = (int8_t)out;
    }
}
