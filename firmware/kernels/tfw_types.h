/* tinyfw int8 kernels: shared types.
 *
 * Activations are NHWC int8; "offset" fields follow CMSIS-NN's convention:
 * input_offset = -input_zero_point (range [-127, 128]),
 * output_offset = output_zero_point (range [-128, 127]).
 */
#ifndef TFW_TYPES_H
#define TFW_TYPES_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A 4-D shape, NHWC. Lower-rank tensors are right-aligned into it (e.g. [n, c] -> n,1,1,c). */
typedef struct {
    int32_t n;
    int32_t h;
    int32_t w;
    int32_t c;
} tfw_shape4;

/* Per-output-channel requantization: real = multiplier * 2^(shift - 31), shift > 0 = left. */
typedef struct {
    const int32_t *multiplier; /* [channels], each in [2^30, 2^31) or 0 */
    const int32_t *shift;      /* [channels], each in [-31, 30] */
} tfw_requant_pc;

#ifdef __cplusplus
}
#endif

#endif /* TFW_TYPES_H */
