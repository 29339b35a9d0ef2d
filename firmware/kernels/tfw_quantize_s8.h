/* QUANTIZE int8 -> int8 (requantization to a new scale / zero point).
 * Bit-exact with TFLite Micro's reference_ops::Requantize<int8_t, int8_t>:
 * out = clamp(MBQM(x - input_zero_point, m, s) + output_zero_point, -128, 127).
 *
 * Layout: any shape (elementwise over `size` values).
 */
#ifndef TFW_QUANTIZE_S8_H
#define TFW_QUANTIZE_S8_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int32_t size;              /* elements, >= 1 */
    int32_t input_zero_point;  /* [-128, 127] */
    int32_t output_zero_point; /* [-128, 127] */
    int32_t multiplier;        /* double(in_scale) / double(out_scale), [2^30, 2^31) or 0 */
    int32_t shift;             /* [-31, 30], > 0 is a left shift */
} tfw_quantize_params;

void tfw_quantize_s8(const tfw_quantize_params *p, const int8_t *input, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* TFW_QUANTIZE_S8_H */
