/* MAXIMUM / MINIMUM int8: see tfw_maximum_minimum_s8.h. */
#include "tfw_maximum_minimum_s8.h"

/* One walk over the output for both ops; `maximum` is a constant at each call site. */
static inline void maximum_minimum(const tfw_maximum_minimum_params *p, const int8_t *input1,
                                   const int8_t *input2, int8_t *output, int32_t maximum)
{
    const int32_t n = p->bcast.count;
    int32_t idx[TFW_BCAST_MAX_RANK] = {0};
    int32_t o1 = 0, o2 = 0;
    for (int32_t i = 0; i < n; ++i) {
        const int8_t x = p->bcast.flat ? input1[i] : input1[o1];
        const int8_t y = p->bcast.flat ? input2[i] : input2[o2];
        output[i] = maximum ? (x > y ? x : y) : (x < y ? x : y);
        if (!p->bcast.flat) {
            tfw_bcast_next(&p->bcast, idx, &o1, &o2);
        }
    }
}

void tfw_maximum_s8(const tfw_maximum_minimum_params *p, const int8_t *input1,
                    const int8_t *input2, int8_t *output)
{
    maximum_minimum(p, input1, input2, output, 1);
}

void tfw_minimum_s8(const tfw_maximum_minimum_params *p, const int8_t *input1,
                    const int8_t *input2, int8_t *output)
{
    maximum_minimum(p, input1, input2, output, 0);
}
