/* HARD_SWISH, int8: x * relu6(x + 3) / 6.
 * Bit-exact with TFLite Micro's reference_ops::HardSwish<int8_t> (16-bit fixed point: the input
 * on a "hires" scale of input_scale / 2^7, a relu-ish factor in [0, 1] on 2^15, gemmlowp int16
 * SaturatingRoundingDoublingHighMul, a truncating doubling high mul, RoundingDivideByPOT).
 *
 * Layout: any shape (elementwise over `size` values).
 */
#ifndef TFW_HARD_SWISH_S8_H
#define TFW_HARD_SWISH_S8_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int32_t size;                       /* elements, >= 1 */
    int32_t input_zero_point;           /* [-128, 127] */
    int32_t output_zero_point;          /* [-128, 127] */
    int32_t reluish_multiplier_fp16;    /* int16 fixed-point multiplier, [0, 32767] */
    int32_t reluish_multiplier_exponent;/* any sign */
    int32_t output_multiplier_fp16;     /* int16 fixed-point multiplier, [0, 32767] */
    int32_t output_multiplier_exponent; /* <= 0 */
} tfw_hard_swish_params;

void tfw_hard_swish_s8(const tfw_hard_swish_params *p, const int8_t *input, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* TFW_HARD_SWISH_S8_H */
