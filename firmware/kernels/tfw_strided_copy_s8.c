/* Strided gather int8: see tfw_strided_copy_s8.h. */
#include "tfw_strided_copy_s8.h"

void tfw_strided_copy_s8(const tfw_strided_copy_params *p, const int8_t *input, int8_t *output)
{
    enum { R = TFW_STRIDED_MAX_RANK };
    int32_t idx[R] = {0};
    int32_t in = p->start;
    for (int32_t i = 0; i < p->total; ++i) {
        output[i] = input[in];
        for (int32_t d = R - 1; d >= 0; --d) {
            in += p->step[d];
            if (++idx[d] < p->count[d]) {
                break;
            }
            in -= p->step[d] * p->count[d];
            idx[d] = 0;
        }
    }
}
