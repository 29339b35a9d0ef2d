/* MAX_POOL_2D, int8. Bit-exact with TFLite Micro's reference_integer_ops::MaxPool.
 * Layouts: input [n, h, w, c]; output [n, out_h, out_w, c] (NHWC). Padded cells are skipped.
 */
#ifndef TFW_MAX_POOL2D_S8_H
#define TFW_MAX_POOL2D_S8_H

#include "tfw_types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    tfw_shape4 input;
    tfw_shape4 output;
    int32_t filter_h, filter_w; /* >= 1 */
    int32_t stride_h, stride_w; /* >= 1 */
    int32_t pad_h, pad_w;       /* top / left padding, >= 0 */
    int32_t act_min, act_max;   /* fused activation clamp */
} tfw_pool2d_params;

void tfw_max_pool2d_s8(const tfw_pool2d_params *p, const int8_t *input, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* TFW_MAX_POOL2D_S8_H */
