/* DEPTHWISE_CONV_2D, int8 activations, int8 per-channel (or broadcast per-tensor) weights,
 * int32 bias. Bit-exact with TFLite Micro's reference_integer_ops::DepthwiseConvPerChannel.
 *
 * Layouts: input [n, h, w, c_in] NHWC; filter [1, kh, kw, c_in * depth_multiplier] (1HWO);
 * bias [c_out] or NULL; output [n, out_h, out_w, c_out], output channel = c_in * mult + m.
 */
#ifndef TFW_DEPTHWISE_CONV2D_S8_H
#define TFW_DEPTHWISE_CONV2D_S8_H

#include "tfw_types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    tfw_shape4 input;               /* n, h, w, c_in */
    tfw_shape4 filter;              /* 1, kh, kw, c_out */
    tfw_shape4 output;              /* n, out_h, out_w, c_out */
    int32_t depth_multiplier;       /* >= 1, c_out = c_in * depth_multiplier */
    int32_t stride_h, stride_w;     /* >= 1 */
    int32_t dilation_h, dilation_w; /* >= 1 */
    int32_t pad_h, pad_w;           /* top / left padding, >= 0 */
    int32_t input_offset;           /* -input zero point, [-127, 128] */
    int32_t output_offset;          /* output zero point, [-128, 127] */
    int32_t act_min, act_max;       /* fused activation clamp, within [-128, 127] */
    tfw_requant_pc requant;         /* [c_out] */
} tfw_depthwise_conv2d_params;

void tfw_depthwise_conv2d_s8(const tfw_depthwise_conv2d_params *p, const int8_t *input,
                             const int8_t *filter, const int32_t *bias, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* TFW_DEPTHWISE_CONV2D_S8_H */
