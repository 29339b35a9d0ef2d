/* MEAN int8: see tfw_mean_s8.h. */
#include "tfw_mean_s8.h"

#include "tfw_qmath.h"

void tfw_mean_s8(const tfw_mean_params *p, const int8_t *input, int32_t *scratch, int8_t *output)
{
    for (int32_t i = 0; i < p->out_count; ++i) {
        scratch[i] = 0;
    }
    int32_t total = 1;
    for (int32_t d = 0; d < p->rank; ++d) {
        total *= p->in_dims[d];
    }
    /* Walk the input in memory order with a multi-index; the output index follows it. */
    int32_t idx[TFW_MEAN_MAX_RANK] = {0};
    int32_t out = 0;
    for (int32_t i = 0; i < total; ++i) {
        scratch[out] += input[i];
        for (int32_t d = p->rank - 1; d >= 0; --d) {
            out += p->out_strides[d];
            if (++idx[d] < p->in_dims[d]) {
                break;
            }
            out -= p->out_strides[d] * idx[d];
            idx[d] = 0;
        }
    }
    const int32_t zp_sum = p->input_zero_point * p->num_reduced;
    for (int32_t i = 0; i < p->out_count; ++i) {
        int32_t v = tfw_mbqm(scratch[i] - zp_sum, p->multiplier, p->shift) + p->output_zero_point;
        output[i] = (int8_t)tfw_clamp(v, -128, 127);
    }
}
