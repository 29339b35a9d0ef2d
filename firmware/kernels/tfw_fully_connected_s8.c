/* FULLY_CONNECTED int8: see tfw_fully_connected_s8.h. */
#include "tfw_fully_connected_s8.h"

#include "tfw_compiler.h"

#include <string.h>

#include "tfw_dot_s8.h"
#include "tfw_qmath.h"
#include "tfw_simd.h"

/* Input row b, readable for K4 bytes: in place, or copied with a zero tail into buf. */
static const int8_t *fc_row(const tfw_fully_connected_params *p, const int8_t *input, int32_t b,
                            int32_t k4, int8_t *buf)
{
    const int32_t depth = p->accum_depth;
    const int8_t *row = input + b * depth;
    if (b * depth + k4 <= p->batches * depth) {
        return row;
    }
    memcpy(buf, row, (size_t)depth);
    memset(buf + depth, 0, (size_t)(k4 - depth));
    return buf;
}

/* filter_offset * sum(x) over a row (wrapped): the per-row part of the folded offsets. */
static uint32_t fc_row_offset(const tfw_fully_connected_params *p, const int8_t *row)
{
    int32_t sum = 0;
    if (p->filter_offset != 0) {
        for (int32_t d = 0; d < p->accum_depth; ++d) {
            sum += row[d];
        }
    }
    return (uint32_t)sum * (uint32_t)p->filter_offset;
}

/* What the outputs need, read once (the byte stores could alias *p for the compiler). */
typedef struct {
    const int32_t *multiplier, *shift;
    int32_t offset, act_min, act_max;
#if TFW_HAS_DSP
    int32_t offset2, act_min2, act_max2; /* the same in both 16-bit lanes */
#endif
} fc_out;

/* out[oc_a], out[oc_b] from acc[0], acc[1] (oc_b == oc_a: one output). */
static inline void tfw_fc_store(const fc_out *o, int8_t *out, int32_t acc[2], int32_t oc_a,
                            int32_t oc_b)
{
    tfw_mbqm_pair(acc, o->multiplier[oc_a], o->shift[oc_a], o->multiplier[oc_b], o->shift[oc_b]);
#if TFW_HAS_DSP
    if (oc_b != oc_a) {
        tfw_store_s8x2(out + oc_a, acc[0], acc[1], o->offset2, o->act_min2, o->act_max2);
        return;
    }
#endif
    out[oc_a] = (int8_t)tfw_clamp(acc[0] + o->offset, o->act_min, o->act_max);
    out[oc_b] = (int8_t)tfw_clamp(acc[1] + o->offset, o->act_min, o->act_max);
}

void tfw_fully_connected_s8(const tfw_fully_connected_params *p, const int8_t *input,
                            const int8_t *weights, const int32_t *bias, int8_t *scratch,
                            int8_t *output)
{
    const int32_t out_depth = p->out_depth;
    const int32_t k4 = (p->accum_depth + 3) & ~3;
    const fc_out o = {
        p->requant.multiplier, p->requant.shift, p->output_offset, p->act_min, p->act_max,
#if TFW_HAS_DSP
        tfw_dup16(p->output_offset), tfw_dup16(p->act_min), tfw_dup16(p->act_max),
#endif
    };
    for (int32_t b = 0; b < p->batches; b += 2) {
        const int8_t *x0 = fc_row(p, input, b, k4, scratch);
        const uint32_t off0 = fc_row_offset(p, x0);
        int8_t *out0 = output + b * out_depth;
        const int8_t *w = weights;
        if (b + 1 < p->batches) {
            /* two rows: 2x2 blocks */
            const int8_t *x1 = fc_row(p, input, b + 1, k4, scratch + k4);
            const uint32_t off1 = fc_row_offset(p, x1);
            for (int32_t oc_a = 0; oc_a < out_depth; oc_a += 2, w += 2 * k4) {
                /* An odd last output is packed paired with itself. */
                const int32_t oc_b = oc_a + 1 < out_depth ? oc_a + 1 : oc_a;
                int32_t acc[4] = {(int32_t)((uint32_t)bias[oc_a] + off0),
                                  (int32_t)((uint32_t)bias[oc_b] + off0),
                                  (int32_t)((uint32_t)bias[oc_a] + off1),
                                  (int32_t)((uint32_t)bias[oc_b] + off1)};
                tfw_dot_s8_2x2(x0, x1, w, k4, acc);
                tfw_fc_store(&o, out0, acc, oc_a, oc_b);
                tfw_fc_store(&o, out0 + out_depth, acc + 2, oc_a, oc_b);
            }
        } else {
            /* an odd last row: 1x2 blocks */
            for (int32_t oc_a = 0; oc_a < out_depth; oc_a += 2, w += 2 * k4) {
                const int32_t oc_b = oc_a + 1 < out_depth ? oc_a + 1 : oc_a;
                int32_t acc[2] = {(int32_t)((uint32_t)bias[oc_a] + off0),
                                  (int32_t)((uint32_t)bias[oc_b] + off0)};
                tfw_dot_s8_1x2(x0, w, k4, acc);
                tfw_fc_store(&o, out0, acc, oc_a, oc_b);
            }
        }
    }
}
