/* MAXIMUM and MINIMUM, int8, with broadcasting.
 * Bit-exact with TFLite Micro's maximum_minimum kernel (reference_ops::MaximumMinimumBroadcast):
 * the larger (smaller) of the two raw int8 values, element by element. Comparing raw values is
 * only meaningful when both inputs and the output share one quantization; the generator
 * (codegen/ops/maximum_minimum.py) refuses any other model, so no requantization happens here.
 *
 * Layouts: any shape, row-major; see tfw_broadcast.h for how the inputs map onto the output.
 */
#ifndef TFW_MAXIMUM_MINIMUM_S8_H
#define TFW_MAXIMUM_MINIMUM_S8_H

#include "tfw_broadcast.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    tfw_broadcast bcast;
} tfw_maximum_minimum_params;

void tfw_maximum_s8(const tfw_maximum_minimum_params *p, const int8_t *input1,
                    const int8_t *input2, int8_t *output);
void tfw_minimum_s8(const tfw_maximum_minimum_params *p, const int8_t *input1,
                    const int8_t *input2, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* TFW_MAXIMUM_MINIMUM_S8_H */
