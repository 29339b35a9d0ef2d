/* MEAN over any set of axes, int8. Bit-exact with TFLite Micro's
 * reference_ops::QuantizedMeanOrSum (compute_sum = false).
 *
 * The generator resolves the axes and folds 1/num_reduced into (multiplier, shift) exactly as
 * TFLM does at run time, so the kernel only sums and requantizes.
 * Layout: input row-major with up to TFW_MEAN_MAX_RANK dims; output row-major with the reduced
 * dims removed (or kept as 1: same memory order).
 */
#ifndef TFW_MEAN_S8_H
#define TFW_MEAN_S8_H

#include "tfw_types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TFW_MEAN_MAX_RANK 6

typedef struct {
    int32_t rank;                            /* 1..TFW_MEAN_MAX_RANK */
    int32_t in_dims[TFW_MEAN_MAX_RANK];      /* input shape */
    int32_t out_strides[TFW_MEAN_MAX_RANK];  /* output stride per input dim, 0 if reduced */
    int32_t out_count;                       /* output elements (= scratch int32 entries) */
    int32_t num_reduced;                     /* elements summed per output, >= 1 */
    int32_t input_zero_point;                /* [-128, 127] */
    int32_t output_zero_point;               /* [-128, 127] */
    int32_t multiplier;                      /* (in_scale / out_scale) / num_reduced, TFLM style */
    int32_t shift;
} tfw_mean_params;

/* scratch: out_count int32 accumulators (planned in the arena). */
void tfw_mean_s8(const tfw_mean_params *p, const int8_t *input, int32_t *scratch, int8_t *output);

/* The common case, chosen by the generator when the reduced axes are one contiguous block (size-1
 * dims aside), e.g. the spatial axes of NHWC: the input is [outer, reduce, inner], the output
 * [outer, inner]. Same arithmetic as tfw_mean_s8, no scratch. */
typedef struct {
    int32_t outer;             /* product of the kept dims before the reduced ones, >= 1 */
    int32_t reduce;            /* product of the reduced dims (= num_reduced), >= 1 */
    int32_t inner;             /* product of the kept dims after them, >= 1 */
    int32_t input_zero_point;  /* [-128, 127] */
    int32_t output_zero_point; /* [-128, 127] */
    int32_t multiplier;        /* (in_scale / out_scale) / reduce, TFLM style */
    int32_t shift;
} tfw_mean_contiguous_params;

void tfw_mean_contiguous_s8(const tfw_mean_contiguous_params *p, const int8_t *input,
                            int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* TFW_MEAN_S8_H */
