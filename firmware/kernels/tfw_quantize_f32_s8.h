/* QUANTIZE float32 -> int8 at the model input (a boundary kernel: float code on purpose).
 * Bit-exact with TFLite Micro's reference_ops::AffineQuantize<float, int8_t>:
 * q = clamp((int32)round_half_away(x / scale) + zero_point, -128, 127), the division in float32.
 * Out-of-range and NaN quotients convert like the x86 oracle (cvttss2si gives INT32_MIN).
 *
 * Layout: any shape (elementwise over `size` values). The float input may sit at any 4-byte
 * aligned address; it is read with memcpy (no aliasing assumptions).
 */
#ifndef TFW_QUANTIZE_F32_S8_H
#define TFW_QUANTIZE_F32_S8_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int32_t size;       /* elements, >= 1 */
    int32_t scale_bits; /* IEEE-754 bits of the output scale (float32, > 0) */
    int32_t zero_point; /* [-128, 127] */
} tfw_quantize_f32_params;

void tfw_quantize_f32_s8(const tfw_quantize_f32_params *p, const float *input, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* TFW_QUANTIZE_F32_S8_H */
