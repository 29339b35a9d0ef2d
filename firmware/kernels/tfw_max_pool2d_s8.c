/* MAX_POOL_2D int8: see tfw_max_pool2d_s8.h. */
#include "tfw_max_pool2d_s8.h"

#include "tfw_compiler.h"

#include "tfw_qmath.h"
#include "tfw_simd.h"

/* out[c] = clamp(max over the th x tw valid taps, act range); win points at the top-left valid
 * tap, taps are `depth` bytes apart in a row and `row` bytes apart between rows. No valid tap
 * (th or tw 0) leaves -128, as TFLM's max initial value. */
static inline void pool_window(const tfw_pool2d_params *p, const int8_t *win, int32_t th,
                               int32_t tw, int32_t row, int32_t depth, int8_t *out)
{
    int32_t c = 0;
#if TFW_HAS_DSP
    /* 4 channels per word: SSUB8 sets a GE flag per byte where a >= b, SEL picks per byte. */
    const int32_t act_min4 = (int32_t)(0x01010101u * (uint8_t)p->act_min);
    const int32_t act_max4 = (int32_t)(0x01010101u * (uint8_t)p->act_max);
    for (; c + 4 <= depth; c += 4) {
        int32_t max = act_min4; /* max(taps, act_min) = clamp from below */
        const int8_t *r = win + c;
        for (int32_t y = 0; y < th; ++y, r += row) {
            const int8_t *t = r;
            for (int32_t x = 0; x < tw; ++x, t += depth) {
                const int32_t v = tfw_read_s8x4(t);
                (void)__ssub8(v, max);
                max = (int32_t)__sel((uint32_t)v, (uint32_t)max);
            }
        }
        (void)__ssub8(act_max4, max);
        tfw_write_s8x4(out + c, (int32_t)__sel((uint32_t)max, (uint32_t)act_max4));
    }
#endif
    for (; c < depth; ++c) {
        int32_t max = -128;
        const int8_t *r = win + c;
        for (int32_t y = 0; y < th; ++y, r += row) {
            for (int32_t x = 0; x < tw; ++x) {
                max = r[x * depth] > max ? r[x * depth] : max;
            }
        }
        out[c] = (int8_t)tfw_clamp(max, p->act_min, p->act_max);
    }
}

void tfw_max_pool2d_s8(const tfw_pool2d_params *p, const int8_t *input, int8_t *output)
{
    const int32_t in_h = p->input.h, in_w = p->input.w, depth = p->input.c;
    const int32_t row = in_w * depth;
    int8_t *out = output;
    for (int32_t b = 0; b < p->input.n; ++b) {
        for (int32_t oy = 0; oy < p->output.h; ++oy) {
            /* the valid taps only (padded ones are skipped, as TFLM does) */
            const int32_t in_y0 = oy * p->stride_h - p->pad_h;
            const int32_t y0 = in_y0 < 0 ? 0 : in_y0;
            const int32_t y1 = in_y0 + p->filter_h < in_h ? in_y0 + p->filter_h : in_h;
            for (int32_t ox = 0; ox < p->output.w; ++ox, out += depth) {
                const int32_t in_x0 = ox * p->stride_w - p->pad_w;
                const int32_t x0 = in_x0 < 0 ? 0 : in_x0;
                const int32_t x1 = in_x0 + p->filter_w < in_w ? in_x0 + p->filter_w : in_w;
                const int8_t *win = input + ((b * in_h + y0) * in_w + x0) * depth;
                pool_window(p, win, y1 > y0 ? y1 - y0 : 0, x1 > x0 ? x1 - x0 : 0, row, depth,
                            out);
            }
        }
    }
}
