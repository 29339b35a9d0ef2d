/* ADD and SUB int8: see tfw_add_s8.h. */
#include "tfw_add_s8.h"

#include "tfw_qmath.h"

/* `subtract` is a constant at each call site, so each public function compiles to its own loop. */
static inline int8_t add_sub_one(const tfw_add_params *p, int32_t x, int32_t y, int32_t subtract)
{
    const int32_t a = (x + p->input1_offset) * (1 << p->left_shift);
    const int32_t b = (y + p->input2_offset) * (1 << p->left_shift);
    const int32_t sa = tfw_mbqm(a, p->input1_multiplier, p->input1_shift);
    const int32_t sb = tfw_mbqm(b, p->input2_multiplier, p->input2_shift);
    const int32_t sum = subtract ? sa - sb : sa + sb;
    const int32_t out = tfw_mbqm(sum, p->output_multiplier, p->output_shift) + p->output_offset;
    return (int8_t)tfw_clamp(out, p->act_min, p->act_max);
}

static inline void add_sub(const tfw_add_params *p, const int8_t *input1, const int8_t *input2,
                           int8_t *output, int32_t subtract)
{
    const int32_t n = p->bcast.count;
    if (p->bcast.flat) {
        for (int32_t i = 0; i < n; ++i) {
            output[i] = add_sub_one(p, input1[i], input2[i], subtract);
        }
        return;
    }
    int32_t idx[TFW_BCAST_MAX_RANK] = {0};
    int32_t o1 = 0, o2 = 0;
    for (int32_t i = 0; i < n; ++i) {
        output[i] = add_sub_one(p, input1[o1], input2[o2], subtract);
        tfw_bcast_next(&p->bcast, idx, &o1, &o2);
    }
}

void tfw_add_s8(const tfw_add_params *p, const int8_t *input1, const int8_t *input2, int8_t *output)
{
    add_sub(p, input1, input2, output, 0);
}

void tfw_sub_s8(const tfw_add_params *p, const int8_t *input1, const int8_t *input2, int8_t *output)
{
    add_sub(p, input1, input2, output, 1);
}
