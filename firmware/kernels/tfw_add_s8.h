/* ADD and SUB, int8, with broadcasting and a fused activation clamp.
 * Bit-exact with TFLite Micro's reference_integer_ops::Add / BroadcastAdd6DSlow and
 * reference_ops::Sub / BroadcastQuantSubSlow: both inputs are shifted left by 20 bits, rescaled
 * to twice the larger input scale, added (subtracted: input 1 - input 2), and rescaled to the
 * output scale (double-rounding MultiplyByQuantizedMultiplierSmallerThanOneExp each time).
 * The two differ only in that sign and in how Prepare computes the multipliers (ADD in double,
 * SUB in float32: codegen/ops/elementwise.py), so they share one params struct and one loop.
 *
 * Layouts: any shape, row-major; see tfw_broadcast.h for how the inputs map onto the output.
 */
#ifndef TFW_ADD_S8_H
#define TFW_ADD_S8_H

#include "tfw_broadcast.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    tfw_broadcast bcast;
    int32_t left_shift;                      /* 20 for int8 */
    int32_t input1_offset, input2_offset;    /* -zero point, [-127, 128] */
    int32_t input1_multiplier, input1_shift; /* multiplier in [2^30, 2^31), shift <= 0 */
    int32_t input2_multiplier, input2_shift;
    int32_t output_multiplier, output_shift; /* shift <= 0 */
    int32_t output_offset;                   /* output zero point, [-128, 127] */
    int32_t act_min, act_max;                /* within [-128, 127] */
} tfw_add_params;

void tfw_add_s8(const tfw_add_params *p, const int8_t *input1, const int8_t *input2, int8_t *output);
void tfw_sub_s8(const tfw_add_params *p, const int8_t *input1, const int8_t *input2, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* TFW_ADD_S8_H */
