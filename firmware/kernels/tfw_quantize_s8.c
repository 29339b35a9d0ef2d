/* QUANTIZE int8 -> int8: see tfw_quantize_s8.h. */
#include "tfw_quantize_s8.h"

#include "tfw_qmath.h"

void tfw_quantize_s8(const tfw_quantize_params *p, const int8_t *input, int8_t *output)
{
    for (int32_t i = 0; i < p->size; ++i) {
        const int32_t v = tfw_mbqm((int32_t)input[i] - p->input_zero_point, p->multiplier, p->shift) +
                          p->output_zero_point;
        output[i] = (int8_t)tfw_clamp(v, -128, 127);
    }
}
