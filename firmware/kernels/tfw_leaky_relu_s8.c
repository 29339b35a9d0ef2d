/* LEAKY_RELU int8: see tfw_leaky_relu_s8.h. */
#include "tfw_leaky_relu_s8.h"

#include "tfw_qmath.h"

void tfw_leaky_relu_s8(const tfw_leaky_relu_params *p, const int8_t *input, int8_t *output)
{
    const int32_t negative = p->alpha_multiplier < 0;
    const int32_t alpha_m = negative ? -p->alpha_multiplier : p->alpha_multiplier;
    for (int32_t i = 0; i < p->size; ++i) {
        const int32_t x = (int32_t)input[i] - p->input_zero_point;
        int32_t v = p->output_zero_point;
        if (x >= 0) {
            v += tfw_mbqm(x, p->identity_multiplier, p->identity_shift);
        } else {
            const int32_t a = tfw_mbqm(x, alpha_m, p->alpha_shift);
            v += negative ? -a : a;
        }
        output[i] = (int8_t)tfw_clamp(v, -128, 127);
    }
}
