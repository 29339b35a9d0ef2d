/* FULLY_CONNECTED int8: see tfw_fully_connected_s8.h. */
#include "tfw_fully_connected_s8.h"

#include "tfw_qmath.h"

void tfw_fully_connected_s8(const tfw_fully_connected_params *p, const int8_t *input,
                            const int8_t *weights, const int32_t *bias, int8_t *output)
{
    const int32_t depth = p->accum_depth;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in = input + b * depth;
        for (int32_t oc = 0; oc < p->out_depth; ++oc) {
            const int8_t *w = weights + oc * depth;
            int32_t acc = 0;
            for (int32_t d = 0; d < depth; ++d) {
                acc += ((int32_t)w[d] + p->filter_offset) * ((int32_t)in[d] + p->input_offset);
            }
            if (bias != 0) {
                acc += bias[oc];
            }
            acc = tfw_mbqm(acc, p->requant.multiplier[oc], p->requant.shift[oc]);
            acc += p->output_offset;
            output[b * p->out_depth + oc] = (int8_t)tfw_clamp(acc, p->act_min, p->act_max);
        }
    }
}
