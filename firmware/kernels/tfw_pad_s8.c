/* PAD int8: see tfw_pad_s8.h. */
#include "tfw_pad_s8.h"

#include <string.h>

void tfw_pad_s8(const tfw_pad_params *p, const int8_t *input, int8_t *output)
{
    enum { R = TFW_PAD_MAX_RANK };
    memset(output, (uint8_t)p->pad_value, (size_t)p->out_size);
    int32_t out_stride[R];
    out_stride[R - 1] = 1;
    for (int32_t d = R - 2; d >= 0; --d) {
        out_stride[d] = out_stride[d + 1] * p->out_dims[d + 1];
    }
    /* Copy whole innermost rows; walk the outer input dims with an odometer. */
    const int32_t row = p->in_dims[R - 1];
    int32_t rows = 1;
    for (int32_t d = 0; d < R - 1; ++d) {
        rows *= p->in_dims[d];
    }
    int32_t idx[R - 1] = {0};
    for (int32_t r = 0; r < rows; ++r) {
        int32_t o = p->before[R - 1];
        for (int32_t d = 0; d < R - 1; ++d) {
            o += (idx[d] + p->before[d]) * out_stride[d];
        }
        memcpy(output + o, input + r * row, (size_t)row);
        for (int32_t d = R - 2; d >= 0; --d) {
            if (++idx[d] < p->in_dims[d]) {
                break;
            }
            idx[d] = 0;
        }
    }
}
