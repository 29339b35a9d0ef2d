/* RELU6, int8. Bit-exact with TFLite Micro's Relu6Quantized: a clamp of the raw input to
 * [quantized 0, quantized 6] on the INPUT scale; no requantization (TFLite gives RELU6 the
 * input's quantization on its output).
 *
 * Layout: any shape (elementwise over `size` values).
 */
#ifndef TFW_RELU6_S8_H
#define TFW_RELU6_S8_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int32_t size;  /* elements, >= 1 */
    int32_t lower; /* input zero point, [-128, 127] */
    int32_t upper; /* round(6 / input_scale) + input zero point, [-128, 127] */
} tfw_relu6_params;

void tfw_relu6_s8(const tfw_relu6_params *p, const int8_t *input, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* TFW_RELU6_S8_H */
