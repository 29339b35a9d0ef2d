/* FULLY_CONNECTED, int8 activations, int8 weights (per-channel or per-tensor), int32 bias.
 * Bit-exact with TFLite Micro's reference_integer_ops::FullyConnected / FullyConnectedPerChannel
 * (per-tensor requantization is passed as per-channel arrays of equal values).
 *
 * Prepared by the generator (codegen/ops/fully_connected.py), TFLM's Prepare plus:
 * - sum((w + filter_offset) * (x + input_offset)) = sum(w * x) + input_offset * sum(w)
 *   + filter_offset * sum(x) + depth * filter_offset * input_offset: every term without x is
 *   folded into bias[oc] (int32, wrapped); the kernel adds filter_offset * sum(x) per input row
 *   when filter_offset != 0 (asymmetric per-tensor weights);
 * - the weights are "pair-packed" (tfw_dot_s8.h): rows two by two, each zero-padded to K4.
 *
 * Layouts: input [batches, accum_depth]; weights before packing [out_depth, accum_depth];
 * output [batches, out_depth].
 */
#ifndef TFW_FULLY_CONNECTED_S8_H
#define TFW_FULLY_CONNECTED_S8_H

#include "tfw_types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int32_t batches;       /* >= 1 */
    int32_t accum_depth;   /* >= 1 */
    int32_t out_depth;     /* >= 1 */
    int32_t filter_offset; /* -weights zero point (0 for symmetric weights), [-127, 128] */
    int32_t output_offset; /* output zero point, [-128, 127] */
    int32_t act_min, act_max;
    tfw_requant_pc requant; /* [out_depth] */
} tfw_fully_connected_params;

/* weights: pair-packed, 8-byte aligned; bias: [out_depth], offsets folded in (never NULL);
 * scratch: 2 * K4 bytes when accum_depth is not a multiple of 4 (the rows whose K4 bytes would
 * run past the input are copied there), else NULL. */
void tfw_fully_connected_s8(const tfw_fully_connected_params *p, const int8_t *input,
                            const int8_t *weights, const int32_t *bias, int8_t *scratch,
                            int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* TFW_FULLY_CONNECTED_S8_H */
