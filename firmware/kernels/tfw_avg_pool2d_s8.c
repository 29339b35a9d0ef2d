/* AVERAGE_POOL_2D int8: see tfw_avg_pool2d_s8.h. */
#include "tfw_avg_pool2d_s8.h"

#include "tfw_qmath.h"

void tfw_avg_pool2d_s8(const tfw_pool2d_params *p, const int8_t *input, int8_t *output)
{
    const int32_t in_h = p->input.h, in_w = p->input.w, depth = p->input.c;
    const int32_t out_h = p->output.h, out_w = p->output.w;
    for (int32_t b = 0; b < p->input.n; ++b) {
        for (int32_t oy = 0; oy < out_h; ++oy) {
            const int32_t in_y0 = oy * p->stride_h - p->pad_h;
            const int32_t fy0 = in_y0 < 0 ? -in_y0 : 0;
            const int32_t fy1 = (in_h - in_y0) < p->filter_h ? (in_h - in_y0) : p->filter_h;
            for (int32_t ox = 0; ox < out_w; ++ox) {
                const int32_t in_x0 = ox * p->stride_w - p->pad_w;
                const int32_t fx0 = in_x0 < 0 ? -in_x0 : 0;
                const int32_t fx1 = (in_w - in_x0) < p->filter_w ? (in_w - in_x0) : p->filter_w;
                const int32_t count = (fy1 - fy0) * (fx1 - fx0);
                for (int32_t c = 0; c < depth; ++c) {
                    int32_t acc = 0;
                    for (int32_t fy = fy0; fy < fy1; ++fy) {
                        for (int32_t fx = fx0; fx < fx1; ++fx) {
                            acc += input[((b * in_h + in_y0 + fy) * in_w + in_x0 + fx) * depth + c];
                        }
                    }
                    /* The generator guarantees count >= 1 (every window meets the input). */
                    acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
                    output[((b * out_h + oy) * out_w + ox) * depth + c] =
                        (int8_t)tfw_clamp(acc, p->act_min, p->act_max);
                }
            }
        }
    }
}
