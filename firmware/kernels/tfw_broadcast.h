/* tinyfw int8 kernels: NumPy-style broadcasting of two inputs onto one output (ADD, SUB, MUL).
 *
 * Shapes are right-aligned into TFW_BCAST_MAX_RANK dims (leading 1s). The generator computes,
 * for every output dim, the element stride of each input in that dim (0 where the input is
 * broadcast, i.e. has size 1 there). The kernels walk the output in memory order and advance
 * both input offsets with tfw_bcast_next(), an odometer over the output index.
 */
#ifndef TFW_BROADCAST_H
#define TFW_BROADCAST_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TFW_BCAST_MAX_RANK 6

typedef struct {
    int32_t count;                          /* output elements, >= 1 */
    int32_t flat;                           /* 1: no broadcasting (both inputs have count elements) */
    int32_t dims[TFW_BCAST_MAX_RANK];       /* output shape, >= 1 each */
    int32_t stride1[TFW_BCAST_MAX_RANK];    /* input 1 element stride per output dim, 0 = broadcast */
    int32_t stride2[TFW_BCAST_MAX_RANK];    /* input 2 element stride per output dim, 0 = broadcast */
} tfw_broadcast;

/* Advance the output multi-index `idx` by one element and the input offsets with it. */
static inline void tfw_bcast_next(const tfw_broadcast *b, int32_t idx[TFW_BCAST_MAX_RANK],
                                  int32_t *off1, int32_t *off2)
{
    for (int32_t d = TFW_BCAST_MAX_RANK - 1; d >= 0; --d) {
        *off1 += b->stride1[d];
        *off2 += b->stride2[d];
        if (++idx[d] < b->dims[d]) {
            return;
        }
        *off1 -= b->stride1[d] * b->dims[d];
        *off2 -= b->stride2[d] * b->dims[d];
        idx[d] = 0;
    }
}

#ifdef __cplusplus
}
#endif

#endif /* TFW_BROADCAST_H */
