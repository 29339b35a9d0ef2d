/* RELU6 int8: see tfw_relu6_s8.h. */
#include "tfw_relu6_s8.h"

void tfw_relu6_s8(const tfw_relu6_params *p, const int8_t *input, int8_t *output)
{
    const int8_t lower = (int8_t)p->lower;
    const int8_t upper = (int8_t)p->upper;
    for (int32_t i = 0; i < p->size; ++i) {
        const int8_t v = input[i];
        output[i] = v > upper ? upper : (v < lower ? lower : v);
    }
}
