/* CONV_2D int8: see tfw_conv2d_s8.h. */
#include "tfw_conv2d_s8.h"

#include "tfw_compiler.h"

#include <string.h>

#include "tfw_dot_s8.h"
#include "tfw_qmath.h"
#include "tfw_simd.h"

/* An output pixel (batch, row, column) and the input position of its window's top-left tap
 * (in the padding when negative), stepped incrementally. */
typedef struct {
    int32_t b, y, x;
    int32_t in_y0, in_x0;
} conv_pixel;

static inline void conv_next_pixel(const tfw_conv2d_params *p, conv_pixel *px)
{
    px->in_x0 += p->stride_w;
    if (++px->x == p->output.w) {
        px->x = 0;
        px->in_x0 = -p->pad_w;
        px->in_y0 += p->stride_h;
        if (++px->y == p->output.h) {
            px->y = 0;
            px->in_y0 = -p->pad_h;
            ++px->b;
        }
    }
}

/* im2col of one patch into buf: taps in (ky, kx, c) order, a padded tap is the input zero
 * point, the K4 tail zeros. */
static TFW_NOINLINE const int8_t *conv_gather(const tfw_conv2d_params *p,
                                                           const int8_t *input,
                                                           const conv_pixel *px, int32_t group,
                                                           int32_t k4, int8_t *buf)
{
    const int32_t in_h = p->input.h, in_w = p->input.w, in_c = p->input.c;
    const int32_t k_c = p->filter.c;
    const int32_t in_y0 = px->in_y0, in_x0 = px->in_x0;
    const int8_t *in_b = input + px->b * in_h * in_w * in_c + group * k_c;
    const int8_t zero_point = (int8_t)(-p->input_offset);
    int8_t *dst = buf;
    for (int32_t ky = 0; ky < p->filter.h; ++ky) {
        const int32_t in_y = in_y0 + ky * p->dilation_h;
        for (int32_t kx = 0; kx < p->filter.w; ++kx) {
            const int32_t in_x = in_x0 + kx * p->dilation_w;
            if (in_y < 0 || in_y >= in_h || in_x < 0 || in_x >= in_w) {
                memset(dst, zero_point, (size_t)k_c);
            } else {
                memcpy(dst, in_b + (in_y * in_w + in_x) * in_c, (size_t)k_c);
            }
            dst += k_c;
        }
    }
    memset(dst, 0, (size_t)(buf + k4 - dst));
    return buf;
}

/* True when pixel px's K4 patch values are one contiguous run of the input read in place
 * (`contiguous`: groups 1, kh 1, kw 1 or dilation_w 1): its window inside the input, with K4
 * bytes readable before the input's end (`in_bytes`). The one definition of the scratch rule:
 * tfw_conv2d_s8_scratch_bytes applies it to every pixel; codegen/ops/_packing.py
 * conv_scratch_bytes is its Python twin, tied to it by tests/test_ops_conv.py. */
static inline int32_t conv_in_place(const tfw_conv2d_params *p, int32_t contiguous,
                                    int32_t in_bytes, int32_t k4, const conv_pixel *px)
{
    if (!contiguous || px->in_y0 < 0 || px->in_y0 >= p->input.h || px->in_x0 < 0 ||
        px->in_x0 + p->filter.w > p->input.w) {
        return 0;
    }
    const int32_t start = ((px->b * p->input.h + px->in_y0) * p->input.w + px->in_x0) * p->input.c;
    return start + k4 <= in_bytes;
}

static inline int32_t conv_contiguous(const tfw_conv2d_params *p)
{
    return p->filter.c == p->input.c && p->filter.h == 1 &&
           (p->filter.w == 1 || p->dilation_w == 1);
}

static inline int32_t conv_k4(const tfw_conv2d_params *p)
{
    return (p->filter.h * p->filter.w * p->filter.c + 3) & ~3;
}

/* The K4 patch values of pixel px for `group`: in place when conv_in_place, else gathered into
 * buf (never NULL then: the scratch size said so). */
static inline const int8_t *conv_patch(const tfw_conv2d_params *p, const int8_t *input,
                                       int32_t contiguous, int32_t in_bytes,
                                       const conv_pixel *px, int32_t group, int32_t k4,
                                       int8_t *buf)
{
    if (conv_in_place(p, contiguous, in_bytes, k4, px)) {
        return input + ((px->b * p->input.h + px->in_y0) * p->input.w + px->in_x0) * p->input.c;
    }
    return conv_gather(p, input, px, group, k4, buf);
}

int32_t tfw_conv2d_s8_scratch_bytes(const tfw_conv2d_params *p)
{
    const int32_t k4 = conv_k4(p);
    const int32_t contiguous = conv_contiguous(p);
    const int32_t in_bytes = p->input.n * p->input.h * p->input.w * p->input.c;
    const int32_t pixels = p->output.n * p->output.h * p->output.w;
    conv_pixel px = {0, 0, 0, -p->pad_h, -p->pad_w};
    for (int32_t i = 0; i < pixels; ++i) {
        if (!conv_in_place(p, contiguous, in_bytes, k4, &px)) {
            return 2 * k4;
        }
        conv_next_pixel(p, &px);
    }
    return 0;
}

void tfw_conv2d_s8(const tfw_conv2d_params *p, const int8_t *input, const int8_t *filter,
                   const int32_t *bias, int8_t *scratch, int8_t *output)
{
    const int32_t out_c = p->output.c;
    const int32_t k4 = conv_k4(p);
    const int32_t groups = p->input.c / p->filter.c;
    const int32_t per_group = out_c / groups;
    const int32_t pixels = p->output.n * p->output.h * p->output.w;
    /* Read once: the byte stores below could alias *p as far as the compiler knows. */
    const int32_t *const multiplier = p->requant.multiplier;
    const int32_t *const shift = p->requant.shift;
    const int32_t output_offset = p->output_offset;
    const int32_t act_min = p->act_min, act_max = p->act_max;
#if TFW_HAS_DSP
    const int32_t offset2 = tfw_dup16(output_offset);
    const int32_t act_min2 = tfw_dup16(act_min), act_max2 = tfw_dup16(act_max);
#endif

    const int32_t contiguous = conv_contiguous(p);
    /* No pointer arithmetic on a NULL scratch (every patch is then read in place). */
    int8_t *const scratch1 = scratch != NULL ? scratch + k4 : NULL;
    const int32_t in_bytes = p->input.n * p->input.h * p->input.w * p->input.c;
    conv_pixel px0 = {0, 0, 0, -p->pad_h, -p->pad_w};
    for (int32_t pix0 = 0; pix0 < pixels; pix0 += 2) {
        /* An odd last pixel is paired with itself (computed twice, stored twice). */
        conv_pixel px1 = px0;
        if (pix0 + 1 < pixels) {
            conv_next_pixel(p, &px1);
        }
        int8_t *const out0 = output + pix0 * out_c;
        int8_t *const out1 = output + (pix0 + 1 < pixels ? pix0 + 1 : pix0) * out_c;
        const int8_t *w = filter;
        for (int32_t g = 0; g < groups; ++g) {
            const int8_t *x0 = conv_patch(p, input, contiguous, in_bytes, &px0, g, k4, scratch);
            const int8_t *x1 =
                conv_patch(p, input, contiguous, in_bytes, &px1, g, k4, scratch1);
            const int32_t oc_end = (g + 1) * per_group;
            for (int32_t oc_a = g * per_group; oc_a < oc_end; oc_a += 2) {
                /* An odd last filter of a group is packed paired with itself. */
                const int32_t oc_b = oc_a + 1 < oc_end ? oc_a + 1 : oc_a;
                int32_t acc[4] = {bias[oc_a], bias[oc_b], bias[oc_a], bias[oc_b]};
                tfw_dot_s8_2x2(x0, x1, w, k4, acc);
                w += 2 * k4;
                const int32_t m_a = multiplier[oc_a], s_a = shift[oc_a];
                const int32_t m_b = multiplier[oc_b], s_b = shift[oc_b];
                tfw_mbqm_pair(acc, m_a, s_a, m_b, s_b);
                tfw_mbqm_pair(acc + 2, m_a, s_a, m_b, s_b);
#if TFW_HAS_DSP
                if (oc_b != oc_a) {
                    tfw_store_s8x2(out0 + oc_a, acc[0], acc[1], offset2, act_min2, act_max2);
                    tfw_store_s8x2(out1 + oc_a, acc[2], acc[3], offset2, act_min2, act_max2);
                    continue;
                }
#endif
                out0[oc_a] = (int8_t)tfw_clamp(acc[0] + output_offset, act_min, act_max);
                out0[oc_b] = (int8_t)tfw_clamp(acc[1] + output_offset, act_min, act_max);
                out1[oc_a] = (int8_t)tfw_clamp(acc[2] + output_offset, act_min, act_max);
                out1[oc_b] = (int8_t)tfw_clamp(acc[3] + output_offset, act_min, act_max);
            }
        }
        px0 = px1;
        conv_next_pixel(p, &px0);
    }
}

/* tfw_mbqm_rs with the rounding term of a non-negative x for every x: exact wherever the clamp
 * maps every result <= 0 to act_min, i.e. when output_offset <= act_min (a fused ReLU: act_min
 * is the output zero point). Proof: for x >= 0 it is tfw_mbqm_rs itself. For x < 0 (x <= -1)
 * and m in [2^30, 2^31): x * m + 2^30 <= -m + 2^30 <= 0, so the high word plus round_hi
 * (2^(rs-1)), shifted, is floor((x * m + 2^30 + 2^(31+rs)) / 2^(32+rs)) <= 0 (the numerator is
 * at most 2^(31+rs), below 2^(32+rs)); tfw_mbqm_rs is <= 0 there too (its numerator is 2^31
 * smaller). Both are <= 0, so both clamp to act_min. m = 0 gives 0 for both. */
static inline int32_t strip_mbqm_relu(int32_t x, int32_t multiplier, int32_t rs, int32_t round_hi)
{
#if TFW_HAS_THUMB2
    uint32_t lo = 0x40000000u;
    int32_t hi = round_hi;
    __asm__("smlal %0, %1, %2, %3" : "+r"(lo), "+r"(hi) : "r"(x), "r"(multiplier));
    (void)lo;
#else
    const int64_t p = (int64_t)x * multiplier + 0x40000000 + (int64_t)round_hi * (1LL << 32);
    const int32_t hi = (int32_t)(p >> 32);
#endif
    return hi >> rs;
}

/* One output of the strip entry: requantized (tfw_mbqm_rs), offset, clamped, stored. */
static inline void strip_store(int8_t *out, int32_t acc, int32_t m, int32_t rs, int32_t round_hi,
                               int32_t offset, int32_t lo, int32_t hi, int32_t full,
                               int32_t relu)
{
    const int32_t v =
        (relu ? strip_mbqm_relu(acc, m, rs, round_hi) : tfw_mbqm_rs(acc, m, rs, round_hi)) +
        offset;
    *out = (int8_t)(full ? tfw_sat8(v) : tfw_clamp(v, lo, hi));
}

/* The strip entries' loops; relu (and for the ReLU entry full) are constants at each call
 * site below, so the ReLU entry compiles without per-output tests. */
static inline __attribute__((always_inline)) void strip_run(
    const tfw_conv2d_strip_params *p, const int8_t *input, const int8_t *filter,
    const int32_t *records, int8_t *output, int32_t full, int32_t relu)
{
    const int32_t pixels = p->pixels, step = p->in_step, k4 = p->k4, out_c = p->out_c;
    const int32_t offset = p->output_offset, lo = p->act_min, hi = p->act_max;
    const int32_t even_pixels = pixels & ~1;
    for (int32_t oc = 0; oc < out_c; oc += 2, filter += 2 * k4, records += 6) {
        const int32_t bias_a = records[0], bias_b = records[1];
        const int32_t m_a = records[2], m_b = records[3];
        const int32_t rs_a = records[4], rs_b = records[5];
        const int32_t rh_a = 1 << (rs_a - 1), rh_b = 1 << (rs_b - 1);
        const int32_t pair = oc + 1 < out_c; /* an odd last channel is paired with itself */
        const int8_t *x = input;
        int8_t *out = output + oc;
        for (int32_t pix = 0; pix < even_pixels; pix += 2, x += 2 * step, out += 2 * out_c) {
            int32_t acc[4] = {bias_a, bias_b, bias_a, bias_b};
            tfw_dot_s8_2x2(x, x + step, filter, k4, acc);
            strip_store(out, acc[0], m_a, rs_a, rh_a, offset, lo, hi, full, relu);
            strip_store(out + out_c, acc[2], m_a, rs_a, rh_a, offset, lo, hi, full, relu);
            if (pair) {
                strip_store(out + 1, acc[1], m_b, rs_b, rh_b, offset, lo, hi, full, relu);
                strip_store(out + out_c + 1, acc[3], m_b, rs_b, rh_b, offset, lo, hi, full, relu);
            }
        }
        if (pixels & 1) {
            int32_t acc[2] = {bias_a, bias_b};
            tfw_dot_s8_1x2(x, filter, k4, acc);
            strip_store(out, acc[0], m_a, rs_a, rh_a, offset, lo, hi, full, relu);
            if (pair) {
                strip_store(out + 1, acc[1], m_b, rs_b, rh_b, offset, lo, hi, full, relu);
            }
        }
    }
}

void tfw_conv2d_s8_strip(const tfw_conv2d_strip_params *p, const int8_t *input,
                         const int8_t *filter, const int32_t *records, int8_t *output)
{
    const int32_t full = p->act_min == -128 && p->act_max == 127; /* the clamp is one SSAT */
    strip_run(p, input, filter, records, output, full, 0);
}

void tfw_conv2d_s8_strip_relu(const tfw_conv2d_strip_params *p, const int8_t *input,
                              const int8_t *filter, const int32_t *records, int8_t *output)
{
    strip_run(p, input, filter, records, output, 1, 1);
}
