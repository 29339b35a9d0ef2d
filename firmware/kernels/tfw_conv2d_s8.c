/* CONV_2D int8: see tfw_conv2d_s8.h. */
#include "tfw_conv2d_s8.h"

#include "tfw_qmath.h"

void tfw_conv2d_s8(const tfw_conv2d_params *p, const int8_t *input, const int8_t *filter,
                   const int32_t *bias, int8_t *output)
{
    const int32_t in_h = p->input.h, in_w = p->input.w, in_c = p->input.c;
    const int32_t out_h = p->output.h, out_w = p->output.w, out_c = p->output.c;
    const int32_t k_h = p->filter.h, k_w = p->filter.w, k_c = p->filter.c;
    const int32_t groups = in_c / k_c;
    const int32_t filters_per_group = out_c / groups;

    for (int32_t b = 0; b < p->input.n; ++b) {
        const int8_t *in_b = input + (int32_t)b * in_h * in_w * in_c;
        for (int32_t oy = 0; oy < out_h; ++oy) {
            const int32_t in_y0 = oy * p->stride_h - p->pad_h;
            for (int32_t ox = 0; ox < out_w; ++ox) {
                const int32_t in_x0 = ox * p->stride_w - p->pad_w;
                for (int32_t oc = 0; oc < out_c; ++oc) {
                    const int32_t group = oc / filters_per_group;
                    const int8_t *f = filter + oc * k_h * k_w * k_c;
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
                            const int8_t *in_px = in_b + (in_y * in_w + in_x) * in_c + group * k_c;
                            const int8_t *f_px = f + (ky * k_w + kx) * k_c;
                            for (int32_t ic = 0; ic < k_c; ++ic) {
                                acc += (int32_t)f_px[ic] * ((int32_t)in_px[ic] + p->input_offset);
                            }
                        }
                    }
                    if (bias != 0) {
                        acc += bias[oc];
                    }
                    acc = tfw_mbqm(acc, p->requant.multiplier[oc], p->requant.shift[oc]);
                    acc += p->output_offset;
                    output[((b * out_h + oy) * out_w + ox) * out_c + oc] =
                        (int8_t)tfw_clamp(acc, p->act_min, p->act_max);
                }
            }
        }
    }
}
