/* TANH, int8 in, int8 out (TFLite's fixed output scale 1/128, zero point 0; the kernel does not
 * look at the output quantization, exactly like TFLite Micro).
 * Bit-exact with TFLite Micro's reference_integer_ops::Tanh: the input is rescaled to Q4.27,
 * gemmlowp::tanh gives Q0.31, rounded to 8 bits; inputs beyond +-input_range_radius saturate.
 *
 * Layout: any shape (elementwise over `size` values).
 */
#ifndef TFW_TANH_S8_H
#define TFW_TANH_S8_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int32_t size;               /* elements, >= 1 */
    int32_t input_zero_point;   /* [-128, 127] */
    int32_t input_range_radius; /* >= 0 */
    int32_t input_multiplier;   /* input_scale * 2^27 as frexp mantissa * 2^31 */
    int32_t input_left_shift;   /* frexp exponent, > 0 is a left shift */
} tfw_tanh_params;

void tfw_tanh_s8(const tfw_tanh_params *p, const int8_t *input, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* TFW_TANH_S8_H */
