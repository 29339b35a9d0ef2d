/* QUANTIZE float32 -> int8: see tfw_quantize_f32_s8.h. */
#include "tfw_quantize_f32_s8.h"

#include <string.h>

/* (int32_t)std::round(q) as the x86 oracle computes it: round half away from zero, and
 * INT32_MIN for NaN and for results outside the int32 range (what cvttss2si returns). */
static int32_t round_to_int32(float q)
{
    if (!(q > -2147483648.0f && q < 2147483648.0f)) {
        return INT32_MIN;
    }
    const float a = q < 0.0f ? -q : q;
    int32_t i = (int32_t)a; /* truncation; exact since a < 2^31 */
    if (a < 8388608.0f) {   /* below 2^23 a may have a fraction; a - i is exact */
        if (a - (float)i >= 0.5f) {
            i += 1;
        }
    }
    return q < 0.0f ? -i : i;
}

void tfw_quantize_f32_s8(const tfw_quantize_f32_params *p, const float *input, int8_t *output)
{
    float scale;
    memcpy(&scale, &p->scale_bits, sizeof scale);
    for (int32_t i = 0; i < p->size; ++i) {
        float x;
        memcpy(&x, &input[i], sizeof x);
        const int32_t r = round_to_int32(x / scale);
        /* int32 + zero point wraps like the oracle's int32 add (only reachable from INT32_MIN). */
        const int32_t v = (int32_t)((uint32_t)r + (uint32_t)p->zero_point);
        output[i] = (int8_t)(v < -128 ? -128 : (v > 127 ? 127 : v));
    }
}
