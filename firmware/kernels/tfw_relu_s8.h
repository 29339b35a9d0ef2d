/* RELU (and RELU_N1_TO_1), int8, with requantization from the input to the output scale.
 * Bit-exact with TFLite Micro's ReluQuantized:
 * out = clamp(output_zero_point + MBQM(x - input_zero_point, m, s), act_min, act_max).
 *
 * Layout: any shape (elementwise over `size` values).
 */
#ifndef TFW_RELU_S8_H
#define TFW_RELU_S8_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int32_t size;              /* elements, >= 1 */
    int32_t input_zero_point;  /* [-128, 127] */
    int32_t output_multiplier; /* float32(in_scale / out_scale) quantized, [2^30, 2^31) or 0 */
    int32_t output_shift;      /* [-31, 30], > 0 is a left shift */
    int32_t output_zero_point; /* [-128, 127] */
    int32_t act_min, act_max;  /* quantized 0 (and 1.0 / -1.0 for RELU_N1_TO_1), clamped */
} tfw_relu_params;

void tfw_relu_s8(const tfw_relu_params *p, const int8_t *input, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* TFW_RELU_S8_H */
