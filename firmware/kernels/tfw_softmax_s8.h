/* SOFTMAX over the last dimension, int8 in, int8 out (scale 1/256, zero point -128).
 * Bit-exact with TFLite Micro's reference_ops::Softmax<int8_t, int8_t> (gemmlowp fixed point:
 * exp on Q5.26 differences, Q12 accumulation, Newton-Raphson reciprocal).
 */
#ifndef TFW_SOFTMAX_S8_H
#define TFW_SOFTMAX_S8_H

#include "tfw_types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int32_t rows;             /* product of all but the last dimension, >= 1 */
    int32_t depth;            /* last dimension, >= 1 */
    int32_t input_multiplier; /* beta * input_scale * 2^26, quantized (TFLM PreprocessSoftmaxScaling) */
    int32_t input_left_shift; /* >= 0 */
    int32_t diff_min;         /* differences below this give exp = 0 (TFLM CalculateInputRadius) */
} tfw_softmax_params;

/* scratch: depth int32 (the exps of one row, computed once). */
void tfw_softmax_s8(const tfw_softmax_params *p, const int8_t *input, int32_t *scratch,
                    int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* TFW_SOFTMAX_S8_H */
