/* DEQUANTIZE int8 -> float32 at the model output (a boundary kernel: float code on purpose).
 * Bit-exact with TFLite Micro's reference_ops::Dequantize<int8_t, float>, which computes
 * (float)(double(scale) * (x - zero_point)): that product of a float32 and a 9-bit integer is
 * exact in double, so one float32 multiply rounds it identically (no double arithmetic needed).
 *
 * Layout: any shape (elementwise over `size` values); the float output is written with memcpy.
 */
#ifndef TFW_DEQUANTIZE_S8_F32_H
#define TFW_DEQUANTIZE_S8_F32_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int32_t size;       /* elements, >= 1 */
    int32_t scale_bits; /* IEEE-754 bits of the input scale (float32, > 0) */
    int32_t zero_point; /* [-128, 127] */
} tfw_dequantize_params;

void tfw_dequantize_s8_f32(const tfw_dequantize_params *p, const int8_t *input, float *output);

#ifdef __cplusplus
}
#endif

#endif /* TFW_DEQUANTIZE_S8_F32_H */
