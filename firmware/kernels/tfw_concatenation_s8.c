/* CONCATENATION int8: see tfw_concatenation_s8.h. */
#include "tfw_concatenation_s8.h"

#include <string.h>

void tfw_concatenation_s8(const tfw_concatenation_params *p, const int8_t *in0,
                          const int8_t *in1, const int8_t *in2, const int8_t *in3,
                          const int8_t *in4, const int8_t *in5, const int8_t *in6,
                          const int8_t *in7, int8_t *output)
{
    const int8_t *const inputs[TFW_CONCAT_MAX_INPUTS] = {in0, in1, in2, in3, in4, in5, in6, in7};
    int8_t *out = output;
    for (int32_t o = 0; o < p->outer; ++o) {
        for (int32_t i = 0; i < p->num_inputs; ++i) {
            const int32_t n = p->copy_size[i];
            memcpy(out, inputs[i] + o * n, (size_t)n);
            out += n;
        }
    }
}
