/* SOFTMAX int8: see tfw_softmax_s8.h. */
#include "tfw_softmax_s8.h"

#include "tfw_fixedpoint.h"

#define TFW_SOFTMAX_DIFF_INT_BITS 5
#define TFW_SOFTMAX_ACCUM_INT_BITS 12

static inline int32_t scaled_exp(const tfw_softmax_params *p, int32_t diff)
{
    const int32_t rescaled = tfw_srdhm((int32_t)((uint32_t)diff << p->input_left_shift),
                                       p->input_multiplier);
    return tfw_fp_exp_on_negative_values(rescaled, TFW_SOFTMAX_DIFF_INT_BITS);
}

void tfw_softmax_s8(const tfw_softmax_params *p, const int8_t *input, int32_t *scratch,
                    int8_t *output)
{
    for (int32_t r = 0; r < p->rows; ++r) {
        const int8_t *in = input + r * p->depth;
        int8_t *out = output + r * p->depth;
        int32_t max = -128;
        for (int32_t c = 0; c < p->depth; ++c) {
            max = in[c] > max ? in[c] : max;
        }
        /* exp of each difference (Q0), computed once and kept for the outputs; 0 stands for
         * "below diff_min" (output -128), which is also what an exp that rounds to 0 gives. */
        int32_t sum_of_exps = 0; /* Q12 */
        for (int32_t c = 0; c < p->depth; ++c) {
            const int32_t diff = (int32_t)in[c] - max;
            scratch[c] = 0;
            if (diff >= p->diff_min) {
                scratch[c] = scaled_exp(p, diff);
                sum_of_exps = tfw_fp_add(sum_of_exps,
                                         tfw_rdbpot(scratch[c], TFW_SOFTMAX_ACCUM_INT_BITS));
            }
        }
        int32_t num_bits_over_unit;
        const int32_t shifted_scale =
            tfw_fp_reciprocal(sum_of_exps, TFW_SOFTMAX_ACCUM_INT_BITS, &num_bits_over_unit);
        const int32_t exponent = num_bits_over_unit + 31 - 8;
        for (int32_t c = 0; c < p->depth; ++c) {
            if (scratch[c] != 0) {
                const int32_t unsat = tfw_rdbpot(tfw_srdhm(shifted_scale, scratch[c]), exponent);
                out[c] = (int8_t)tfw_clamp(unsat - 128, -128, 127);
            } else {
                out[c] = -128;
            }
        }
    }
}
