/* CONCATENATION, int8 (also any 1-byte type): copies up to TFW_CONCAT_MAX_INPUTS inputs side by
 * side along one axis. Bit-exact with TFLite Micro's reference_ops::Concatenation, which for int8
 * requires every input to share the output's scale and zero point (no requantization).
 *
 * Layouts: row-major. With `outer` = product of the dims before the axis, input i is `outer`
 * blocks of copy_size[i] bytes (its dims from the axis on); the output interleaves them.
 */
#ifndef TFW_CONCATENATION_S8_H
#define TFW_CONCATENATION_S8_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TFW_CONCAT_MAX_INPUTS 8

typedef struct {
    int32_t num_inputs;                       /* 1..TFW_CONCAT_MAX_INPUTS */
    int32_t outer;                            /* >= 1 */
    int32_t copy_size[TFW_CONCAT_MAX_INPUTS]; /* bytes per block of input i, >= 0 */
} tfw_concatenation_params;

/* Unused inputs (index >= num_inputs) are NULL. */
void tfw_concatenation_s8(const tfw_concatenation_params *p, const int8_t *in0,
                          const int8_t *in1, const int8_t *in2, const int8_t *in3,
                          const int8_t *in4, const int8_t *in5, const int8_t *in6,
                          const int8_t *in7, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* TFW_CONCATENATION_S8_H */
