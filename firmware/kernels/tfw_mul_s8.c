/* MUL int8: see tfw_mul_s8.h. */
#include "tfw_mul_s8.h"

#include "tfw_qmath.h"

static inline int8_t mul_one(const tfw_mul_params *p, int32_t x, int32_t y)
{
    const int32_t prod = (x + p->input1_offset) * (y + p->input2_offset);
    const int32_t out = p->output_offset + tfw_mbqm(prod, p->output_multiplier, p->output_shift);
    return (int8_t)tfw_clamp(out, p->act_min, p->act_max);
}

void tfw_mul_s8(const tfw_mul_params *p, const int8_t *input1, const int8_t *input2, int8_t *output)
{
    const int32_t n = p->bcast.count;
    if (p->bcast.flat) {
        for (int32_t i = 0; i < n; ++i) {
            output[i] = mul_one(p, input1[i], input2[i]);
        }
        return;
    }
    int32_t idx[TFW_BCAST_MAX_RANK] = {0};
    int32_t o1 = 0, o2 = 0;
    for (int32_t i = 0; i < n; ++i) {
        output[i] = mul_one(p, input1[o1], input2[o2]);
        tfw_bcast_next(&p->bcast, idx, &o1, &o2);
    }
}
