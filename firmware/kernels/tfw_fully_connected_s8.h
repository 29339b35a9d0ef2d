/* FULLY_CONNECTED, int8 activations, int8 weights (per-channel or per-tensor), int32 bias.
 * Bit-exact with TFLite Micro's reference_integer_ops::FullyConnected / FullyConnectedPerChannel
 * (per-tensor requantization is passed as per-channel arrays of equal values).
 *
 * Layouts: input [batches, accum_depth]; weights [out_depth, accum_depth]; bias [out_depth] or
 * NULL; output [batches, out_depth].
 */
#ifndef TFW_FULLY_CONNECTED_S8_H
#define TFW_FULLY_CONNECTED_S8_H

#include "tfw_types.h"

typedef struct {
    int32_t batches;       /* >= 1 */
    int32_t accum_depth;   /* >= 1 */
    int32_t out_depth;     /* >= 1 */
    int32_t input_offset;  /* -input zero point, [-127, 128] */
    int32_t filter_offset; /* -weights zero point (0 for symmetric weights), [-127, 128] */
    int32_t output_offset; /* output zero point, [-128, 127] */
    int32_t act_min, act_max;
    tfw_requant_pc requant; /* [out_depth] */
} tfw_fully_connected_params;

void tfw_fully_connected_s8(const tfw_fully_connected_params *p, const int8_t *input,
                            const int8_t *weights, const int32_t *bias, int8_t *output);

#endif /* TFW_FULLY_CONNECTED_S8_H */
