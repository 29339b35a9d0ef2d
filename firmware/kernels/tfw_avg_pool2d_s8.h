/* AVERAGE_POOL_2D, int8. Bit-exact with TFLite Micro's reference_integer_ops::AveragePool:
 * the raw int8 values of the cells inside the input are summed (padding is not counted) and
 * divided with rounding half away from zero; input and output share their quantization.
 * Layouts: input [n, h, w, c]; output [n, out_h, out_w, c] (NHWC).
 */
#ifndef TFW_AVG_POOL2D_S8_H
#define TFW_AVG_POOL2D_S8_H

#include "tfw_max_pool2d_s8.h" /* tfw_pool2d_params */

#ifdef __cplusplus
extern "C" {
#endif

void tfw_avg_pool2d_s8(const tfw_pool2d_params *p, const int8_t *input, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* TFW_AVG_POOL2D_S8_H */
