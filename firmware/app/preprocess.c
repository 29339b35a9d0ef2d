/* Integer preprocessing (see preprocess.h; specification: model/preprocess.py). */
#include "preprocess.h"

#include "tfw_qmath.h"

/* round_half_away_from_zero(sum / n) for n >= 1. |sum| <= 32768 * 65536 = 2^31 fits uint32;
 * so does |sum| + n / 2. */
static int32_t rounded_mean(int32_t sum, int32_t n)
{
    const uint32_t mag = sum < 0 ? 0u - (uint32_t)sum : (uint32_t)sum;
    const uint32_t q = (mag + (uint32_t)n / 2u) / (uint32_t)n;
    return sum < 0 ? -(int32_t)q : (int32_t)q;
}

void tfw_preprocess(const int16_t *raw, int8_t *out, const tfw_preprocess_params *p)
{
    const int32_t n = p->length;
    const int32_t ch = p->channels;
    for (int32_t c = 0; c < ch; ++c) {
        int32_t mean = 0;
        if (p->center) {
            /* Every partial sum is in [-2^31, 2^31 - 65536] for n <= 65536: no overflow. */
            int32_t sum = 0;
            for (int32_t t = 0; t < n; ++t) {
                sum += raw[t * ch + c];
            }
            mean = rounded_mean(sum, n);
        }
        for (int32_t t = 0; t < n; ++t) {
            const int32_t d = (int32_t)raw[t * ch + c] - mean; /* [-65535, 65535] */
            const int32_t q =
                tfw_mbqm(d * (1 << TFW_PREPROCESS_PRE_SHIFT), p->multiplier, p->shift) +
                p->zero_point;
            out[t * ch + c] = (int8_t)tfw_clamp(q, -128, 127);
        }
    }
}
