/* Integer preprocessing: one window of raw int16 sensor counts -> the model's int8 input.
 *
 * The C twin of model/preprocess.py (the specification; both agree bit for bit, tested by
 * tests/test_preprocess_c.py). For a window raw[t][c] (t < length, c < channels, frame-major):
 *   1. if center: mean[c] = sum_t raw[t][c] / length rounded half away from zero (exact
 *      integer arithmetic); d[t][c] = raw[t][c] - mean[c]; else d = raw.
 *   2. out[t][c] = clamp(tfw_mbqm(d[t][c] * 2^15, multiplier, shift) + zero_point, -128, 127).
 *      |d| <= 65535, so d * 2^15 fits int32; the 15 extra bits make the result equal to
 *      round(d * unit_scale / input_scale) + zero_point (TFLM's double rounding alone is off by
 *      one for some values).
 * All parameters are computed at generation time (tinyfw.model.preprocess.PreprocessParams);
 * no float here.
 */
#ifndef TFW_PREPROCESS_H
#define TFW_PREPROCESS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TFW_PREPROCESS_PRE_SHIFT 15

typedef struct {
    int32_t multiplier; /* Q31 multiplier for unit_scale / input_scale, [2^30, 2^31) */
    int32_t shift;      /* exponent - 15, [-31, 0] (a right shift) */
    int32_t zero_point; /* input tensor zero point, [-128, 127] */
    int32_t length;     /* frames per window, [1, 65536] */
    int32_t channels;   /* samples per frame, [1, 16] */
    int32_t center;     /* 1: subtract the per-channel integer window mean first */
} tfw_preprocess_params;

/* raw: length * channels int16 counts, frame-major ([t][c]), contiguous.
 * out: length * channels int8 values in the model input layout ([1][length][channels]). */
void tfw_preprocess(const int16_t *raw, int8_t *out, const tfw_preprocess_params *p);

#ifdef __cplusplus
}
#endif

#endif /* TFW_PREPROCESS_H */
