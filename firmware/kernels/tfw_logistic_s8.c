/* LOGISTIC int8: see tfw_logistic_s8.h. */
#include "tfw_logistic_s8.h"

#include "tfw_fixedpoint.h"

#define TFW_LOGISTIC_INPUT_INT_BITS 4
#define TFW_LOGISTIC_OUTPUT_INT_BITS 8

void tfw_logistic_s8(const tfw_logistic_params *p, const int8_t *input, int8_t *output)
{
    for (int32_t i = 0; i < p->size; ++i) {
        const int32_t x = (int32_t)input[i] - p->input_zero_point;
        if (x <= -p->input_range_radius) {
            output[i] = -128;
        } else if (x >= p->input_range_radius) {
            output[i] = 127;
        } else {
            const int32_t q4 = tfw_mbqm(x, p->input_multiplier, p->input_left_shift);
            const int32_t q0 = tfw_fp_logistic(q4, TFW_LOGISTIC_INPUT_INT_BITS);
            const int32_t q23 = tfw_rdbpot(q0, 31 - TFW_LOGISTIC_OUTPUT_INT_BITS);
            output[i] = (int8_t)tfw_clamp(q23 - 128, -128, 127);
        }
    }
}
