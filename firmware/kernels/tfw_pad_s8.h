/* PAD / PADV2, int8 (also any 1-byte type): constant padding.
 * Bit-exact with TFLite Micro's reference_ops::Pad / PadImageStyle: the output is filled with
 * pad_value (the output zero point, or PADV2's constant) and the input is copied inside it.
 *
 * Layouts: row-major; shapes right-aligned into TFW_PAD_MAX_RANK dims (leading 1s, 0 padding).
 */
#ifndef TFW_PAD_S8_H
#define TFW_PAD_S8_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TFW_PAD_MAX_RANK 6

typedef struct {
    int32_t in_dims[TFW_PAD_MAX_RANK];  /* >= 1 */
    int32_t out_dims[TFW_PAD_MAX_RANK]; /* in_dims + before + after */
    int32_t before[TFW_PAD_MAX_RANK];   /* leading padding per dim, >= 0 */
    int32_t out_size;                   /* output elements */
    int32_t pad_value;                  /* [-128, 127] */
} tfw_pad_params;

void tfw_pad_s8(const tfw_pad_params *p, const int8_t *input, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* TFW_PAD_S8_H */
