/* DEPTHWISE_CONV_2D int8: see tfw_depthwise_conv2d_s8.h.
 *
 * Per output pixel the valid taps (inside the input; padded ones are skipped, as TFLM does) are
 * one rectangle [ky0, ky1) x [kx0, kx1), computed once; the channel loop runs over it. With
 * depth multiplier 1 (the usual case) on a DSP core, 4 channels go together: one word of
 * input and one of filter per tap, the input offset added in 16-bit lanes (SXTAB16) and one
 * SMLABB/SMLATT per product. Sums wrap like TFLM's int32 sums, so their order does not matter. */
#include "tfw_depthwise_conv2d_s8.h"

#include "tfw_compiler.h"
#include "tfw_qmath.h"
#include "tfw_simd.h"

/* The first valid tap index and one past the last, of a window starting at in0 (negative in
 * the padding) with `taps` taps `dil` apart over an axis of `size` values. */
static inline void dw_valid(int32_t in0, int32_t taps, int32_t dil, int32_t size, int32_t *k0,
                            int32_t *k1)
{
    int32_t lo = 0;
    if (in0 < 0) {
        lo = (-in0 + dil - 1) / dil;
    }
    int32_t hi = taps;
    if (in0 + (taps - 1) * dil >= size) {
        hi = size - in0 > 0 ? (size - in0 + dil - 1) / dil : 0;
    }
    *k0 = lo;
    *k1 = hi > lo ? hi : lo;
}

static inline int8_t dw_out(const tfw_depthwise_conv2d_params *p, int32_t acc, const int32_t *bias,
                            int32_t oc)
{
    if (bias != 0) {
        acc = (int32_t)((uint32_t)acc + (uint32_t)bias[oc]);
    }
    acc = tfw_mbqm(acc, p->requant.multiplier[oc], p->requant.shift[oc]);
    return (int8_t)tfw_clamp(acc + p->output_offset, p->act_min, p->act_max);
}

void tfw_depthwise_conv2d_s8(const tfw_depthwise_conv2d_params *p, const int8_t *input,
                             const int8_t *filter, const int32_t *bias, int8_t *output)
{
    const int32_t in_h = p->input.h, in_w = p->input.w, in_c = p->input.c;
    const int32_t out_h = p->output.h, out_w = p->output.w, out_c = p->output.c;
    const int32_t k_h = p->filter.h, k_w = p->filter.w;
    const int32_t mult = p->depth_multiplier;
    const int32_t dil_h = p->dilation_h, dil_w = p->dilation_w;
    const int32_t input_offset = p->input_offset;
    /* steps between valid taps: input and filter */
    const int32_t in_step_x = dil_w * in_c, in_step_y = dil_h * in_w * in_c;
    const int32_t f_step_y = k_w * out_c;
#if TFW_HAS_DSP
    const int32_t offset2 = tfw_dup16(input_offset);
#endif
    int8_t *out_px = output;

    for (int32_t b = 0; b < p->input.n; ++b) {
        const int8_t *in_b = input + b * in_h * in_w * in_c;
        for (int32_t oy = 0; oy < out_h; ++oy) {
            const int32_t in_y0 = oy * p->stride_h - p->pad_h;
            int32_t ky0, ky1;
            dw_valid(in_y0, k_h, dil_h, in_h, &ky0, &ky1);
            for (int32_t ox = 0; ox < out_w; ++ox, out_px += out_c) {
                const int32_t in_x0 = ox * p->stride_w - p->pad_w;
                int32_t kx0, kx1;
                dw_valid(in_x0, k_w, dil_w, in_w, &kx0, &kx1);
                int32_t ny = ky1 - ky0, nx = kx1 - kx0;
                if (nx == 0) {
                    ny = 0; /* no valid tap: the sums stay 0 */
                }
                /* the first valid tap, channel 0 (the input's start when there is none) */
                const int8_t *in0 =
                    ny == 0 ? in_b
                            : in_b + ((in_y0 + ky0 * dil_h) * in_w + in_x0 + kx0 * dil_w) * in_c;
                const int8_t *f0 = ny == 0 ? filter : filter + (ky0 * k_w + kx0) * out_c;
                if (mult != 1) {
                    for (int32_t oc = 0; oc < out_c; ++oc) {
                        const int32_t ic = oc / mult;
                        uint32_t acc = 0;
                        const int8_t *in_r = in0 + ic, *f_r = f0 + oc;
                        for (int32_t y = 0; y < ny; ++y, in_r += in_step_y, f_r += f_step_y) {
                            for (int32_t x = 0; x < nx; ++x) {
                                acc += (uint32_t)(f_r[x * out_c] *
                                                  (in_r[x * in_step_x] + input_offset));
                            }
                        }
                        out_px[oc] = dw_out(p, (int32_t)acc, bias, oc);
                    }
                    continue;
                }
                int32_t c = 0;
#if TFW_HAS_DSP
                for (; c + 4 <= in_c; c += 4) {
                    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
                    const int8_t *in_r = in0 + c, *f_r = f0 + c;
                    for (int32_t y = 0; y < ny; ++y, in_r += in_step_y, f_r += f_step_y) {
                        const int8_t *in_t = in_r, *f_t = f_r;
                        for (int32_t x = 0; x < nx; ++x, in_t += in_step_x, f_t += out_c) {
                            const int32_t v = tfw_read_s8x4(in_t), f = tfw_read_s8x4(f_t);
                            /* lanes: channels c, c+2 (even) and c+1, c+3 (odd) */
                            const int32_t ve = __sxtab16(offset2, v);
                            const int32_t vo = tfw_sxtab16_odd(offset2, v);
                            const int32_t fe = __sxtb16(f), fo = tfw_sxtb16_odd(f);
                            a0 = __smlabb(ve, fe, a0);
                            a2 = __smlatt(ve, fe, a2);
                            a1 = __smlabb(vo, fo, a1);
                            a3 = __smlatt(vo, fo, a3);
                        }
                    }
                    out_px[c] = dw_out(p, a0, bias, c);
                    out_px[c + 1] = dw_out(p, a1, bias, c + 1);
                    out_px[c + 2] = dw_out(p, a2, bias, c + 2);
                    out_px[c + 3] = dw_out(p, a3, bias, c + 3);
                }
#endif
                for (; c < in_c; ++c) {
                    uint32_t acc = 0;
                    const int8_t *in_r = in0 + c, *f_r = f0 + c;
                    for (int32_t y = 0; y < ny; ++y, in_r += in_step_y, f_r += f_step_y) {
                        const int8_t *in_t = in_r, *f_t = f_r;
                        for (int32_t x = 0; x < nx; ++x, in_t += in_step_x, f_t += out_c) {
                            acc += (uint32_t)(*f_t * (*in_t + input_offset));
                        }
                    }
                    out_px[c] = dw_out(p, (int32_t)acc, bias, c);
                }
            }
        }
    }
}
