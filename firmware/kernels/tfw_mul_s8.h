/* MUL, int8, with broadcasting and a fused activation clamp.
 * Bit-exact with TFLite Micro's reference_integer_ops::Mul / BroadcastMul6DSlow:
 * out = clamp(output_offset + MBQM((x + input1_offset) * (y + input2_offset), m, s)).
 *
 * Layouts: any shape, row-major; see tfw_broadcast.h.
 */
#ifndef TFW_MUL_S8_H
#define TFW_MUL_S8_H

#include "tfw_broadcast.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    tfw_broadcast bcast;
    int32_t input1_offset, input2_offset; /* -zero point, [-127, 128] */
    int32_t output_multiplier;            /* in1_scale * in2_scale / out_scale, [2^30, 2^31) or 0 */
    int32_t output_shift;                 /* [-31, 30], > 0 is a left shift */
    int32_t output_offset;                /* output zero point, [-128, 127] */
    int32_t act_min, act_max;             /* within [-128, 127] */
} tfw_mul_params;

void tfw_mul_s8(const tfw_mul_params *p, const int8_t *input1, const int8_t *input2, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* TFW_MUL_S8_H */
