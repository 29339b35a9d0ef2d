/* DEPTHWISE_CONV_2D int8: see tfw_depthwise_conv2d_s8.h. */
#include "tfw_depthwise_conv2d_s8.h"

#include "tfw_qmath.h"

void tfw_depthwise_conv2d_s8(const tfw_depthwise_conv2d_params *p, const int8_t *input,
                             const int8_t *filter, const int32_t *bias, int8_t *output)
{
    const int32_t in_h = p->input.h, in_w = p->input.w, in_c = p->input.c;
    const int32_t out_h = p->output.h, out_w = p->output.w, out_c = p->output.c;
    const int32_t k_h = p->filter.h, k_w = p->filter.w;
    const int32_t mult = p->depth_multiplier;

    for (int32_t b = 0; b < p->input.n; ++b) {
        const int8_t *in_b = input + b * in_h * in_w * in_c;
        for (int32_t oy = 0; oy < out_h; ++oy) {
            const int32_t in_y0 = oy * p->stride_h - p->pad_h;
            for (int32_t ox = 0; ox < out_w; ++ox) {
                const int32_t in_x0 = ox * p->stride_w - p->pad_w;
                int8_t *out_px = output + ((b * out_h + oy) * out_w + ox) * out_c;
                for (int32_t ic = 0; ic < in_c; ++ic) {
                    for (int32_t m = 0; m < mult; ++m) {
                        const int32_t oc = ic * mult + m;
                        int32_t acc = 0;
                        for (int32_t ky = 0; ky < k_h; ++ky) {
                            const int32_t in_y = in_y0 + p->dilation_h * ky;
                            if (in_y < 0 || in_y >= in_h) {
                                continue;
                            }
                            for (int32_t kx = 0; kx < k_w; ++kx) {
                                const int32_t in_x = in_x0 + p->dilation_w * kx;
                                if (in_x < 0 || in_x >= in_w) {
                                    continue;
                                }
                                const int32_t v = in_b[(in_y * in_w + in_x) * in_c + ic];
                                const int32_t f = filter[(ky * k_w + kx) * out_c + oc];
                                acc += f * (v + p->input_offset);
                            }
                        }
                        if (bias != 0) {
                            acc += bias[oc];
                        }
                        acc = tfw_mbqm(acc, p->requant.multiplier[oc], p->requant.shift[oc]);
                        acc += p->output_offset;
                        out_px[oc] = (int8_t)tfw_clamp(acc, p->act_min, p->act_max);
                    }
                }
            }
        }
    }
}
