/* DEQUANTIZE int8 -> float32: see tfw_dequantize_s8_f32.h. */
#include "tfw_dequantize_s8_f32.h"

#include <string.h>

void tfw_dequantize_s8_f32(const tfw_dequantize_params *p, const int8_t *input, float *output)
{
    float scale;
    memcpy(&scale, &p->scale_bits, sizeof scale);
    for (int32_t i = 0; i < p->size; ++i) {
        const float v = scale * (float)((int32_t)input[i] - p->zero_point);
        memcpy(&output[i], &v, sizeof v);
    }
}
