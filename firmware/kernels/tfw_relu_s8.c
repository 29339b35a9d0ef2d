/* RELU int8: see tfw_relu_s8.h. */
#include "tfw_relu_s8.h"

#include "tfw_qmath.h"

void tfw_relu_s8(const tfw_relu_params *p, const int8_t *input, int8_t *output)
{
    for (int32_t i = 0; i < p->size; ++i) {
        const int32_t v = p->output_zero_point +
                          tfw_mbqm((int32_t)input[i] - p->input_zero_point, p->output_multiplier,
                                   p->output_shift);
        output[i] = (int8_t)tfw_clamp(v, p->act_min, p->act_max);
    }
}
