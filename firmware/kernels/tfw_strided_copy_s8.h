/* Strided gather, int8 (also any 1-byte type): the kernel of STRIDED_SLICE (constant begin/end/
 * strides) and TRANSPOSE (constant permutation). The generator resolves TFLite Micro's
 * begin/end/shrink masks (strided_slice_logic.h) or the permutation into, for every output dim,
 * an iteration count and a (possibly negative) input element step; output element
 * (i0, ..., i5) is input[start + sum(i_d * step_d)]. Bit-exact (a pure copy).
 *
 * Layouts: row-major; output dims right-aligned into TFW_STRIDED_MAX_RANK dims (leading 1s).
 */
#ifndef TFW_STRIDED_COPY_S8_H
#define TFW_STRIDED_COPY_S8_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TFW_STRIDED_MAX_RANK 6

typedef struct {
    int32_t count[TFW_STRIDED_MAX_RANK]; /* output dims, >= 1 */
    int32_t step[TFW_STRIDED_MAX_RANK];  /* input element step per output dim */
    int32_t start;                       /* input element index of output element 0, >= 0 */
    int32_t total;                       /* output elements */
} tfw_strided_copy_params;

void tfw_strided_copy_s8(const tfw_strided_copy_params *p, const int8_t *input, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* TFW_STRIDED_COPY_S8_H */
