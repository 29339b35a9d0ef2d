/* LEAKY_RELU, int8. Bit-exact with TFLite Micro's reference_ops::QuantizeLeakyRelu:
 * x >= zp: out = zp_out + MBQM(x - zp, m_identity, s_identity)
 * x <  zp: out = zp_out +- MBQM(x - zp, |m_alpha|, s_alpha)  (sign of alpha)
 *
 * Layout: any shape (elementwise over `size` values).
 */
#ifndef TFW_LEAKY_RELU_S8_H
#define TFW_LEAKY_RELU_S8_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int32_t size;                            /* elements, >= 1 */
    int32_t input_zero_point;                /* [-128, 127] */
    int32_t output_zero_point;               /* [-128, 127] */
    int32_t alpha_multiplier, alpha_shift;   /* float32(in * alpha / out), |m| in [2^30, 2^31) */
    int32_t identity_multiplier, identity_shift; /* float32(in / out) */
} tfw_leaky_relu_params;

void tfw_leaky_relu_s8(const tfw_leaky_relu_params *p, const int8_t *input, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* TFW_LEAKY_RELU_S8_H */
