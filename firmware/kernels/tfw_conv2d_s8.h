/* CONV_2D, int8 activations, int8 per-channel (or broadcast per-tensor) weights, int32 bias.
 * Bit-exact with TFLite Micro's reference_integer_ops::ConvPerChannel.
 *
 * Prepared by the generator (codegen/ops/conv.py), TFLM's Prepare plus:
 * - the input offset is folded into the bias: bias[oc] = bias + input_offset * sum(filter[oc])
 *   (int32, wrapped), so the kernel multiplies raw int8 values; a padded tap reads the input
 *   zero point (-input_offset), whose product with the offset-folded bias cancels exactly as
 *   TFLM's skipped tap does;
 * - the filter is "pair-packed" (tfw_dot_s8.h): per group, its filters two by two, each row of
 *   K = kh * kw * c_in/groups values zero-padded to K4 (a multiple of 4).
 *
 * Layouts: input [n, h, w, c_in] NHWC; output [n, out_h, out_w, c_out]; the filter before
 * packing is [c_out, kh, kw, c_in / groups] (OHWI), so one row is one output channel's patch
 * in (ky, kx, c) order, which is also the order of the input patch.
 *
 * The kernel walks the output pixels two by two; a pixel's patch is read in place when it is
 * one contiguous run of the input (groups 1, kh 1, kw 1 or dilation_w 1, inside the input, and
 * K4 bytes readable before the input ends), else gathered into scratch (im2col with the zero
 * point for padded taps).
 */
#ifndef TFW_CONV2D_S8_H
#define TFW_CONV2D_S8_H

#include "tfw_types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    tfw_shape4 input;       /* n, h, w, c_in */
    tfw_shape4 filter;      /* c_out, kh, kw, c_in / groups (before packing) */
    tfw_shape4 output;      /* n, out_h, out_w, c_out */
    int32_t stride_h, stride_w;     /* >= 1 */
    int32_t dilation_h, dilation_w; /* >= 1 */
    int32_t pad_h, pad_w;           /* top / left padding, >= 0 */
    int32_t input_offset;           /* -input zero point, [-127, 128] */
    int32_t output_offset;          /* output zero point, [-128, 127] */
    int32_t act_min, act_max;       /* fused activation clamp, within [-128, 127] */
    tfw_requant_pc requant;         /* [c_out] */
} tfw_conv2d_params;

/* Bytes of scratch tfw_conv2d_s8 needs for these params: 2 * K4, or 0 when every output
 * pixel's patch is read in place (CMSIS-NN's arm_convolve_s8_get_buffer_size convention). The
 * generator's twin, codegen/ops/_packing.py conv_scratch_bytes, is checked against it. */
int32_t tfw_conv2d_s8_scratch_bytes(const tfw_conv2d_params *p);

/* filter: pair-packed, 8-byte aligned; bias: [c_out] with the input offset folded in (never
 * NULL); scratch: tfw_conv2d_s8_scratch_bytes(p) bytes, or NULL when that is 0. */
void tfw_conv2d_s8(const tfw_conv2d_params *p, const int8_t *input, const int8_t *filter,
                   const int32_t *bias, int8_t *scratch, int8_t *output);

/* The strip entry, chosen by the generator (codegen/ops/conv.py) for a conv whose every output
 * pixel's patch is one contiguous run of the input, pixel i's starting at i * in_step (groups 1,
 * kh 1, kw 1 or dilation_w 1, no padded tap, rows and batches that continue the same step:
 * Conv1D with VALID padding, 1x1 convs), every shift <= -2, the input buffer readable for K4
 * bytes past the last patch's start (the generator pads the input's arena slot; the bytes past
 * the patch meet zero weights). No bounds checks, no pixel struct, no scratch. Walks channel
 * pairs outside, pixel pairs inside; per channel pair one record of 6 int32 the generator
 * writes: bias_a, bias_b (offset-folded), multiplier_a, multiplier_b, rs_a, rs_b
 * (rs = -shift - 1, for tfw_mbqm_rs). Same results as tfw_conv2d_s8, bit for bit. */
typedef struct {
    int32_t pixels;           /* output pixels, n * out_h * out_w */
    int32_t in_step;          /* bytes from one pixel's patch to the next's */
    int32_t k4;               /* patch length rounded up to a multiple of 4 */
    int32_t out_c;            /* output channels */
    int32_t output_offset;    /* output zero point, [-128, 127] */
    int32_t act_min, act_max; /* fused activation clamp, within [-128, 127] */
} tfw_conv2d_strip_params;

void tfw_conv2d_s8_strip(const tfw_conv2d_strip_params *p, const int8_t *input,
                         const int8_t *filter, const int32_t *records, int8_t *output);

/* The same for act_min -128, act_max 127 and output_offset -128 (a fused ReLU whose output
 * zero point is -128, the usual case): one SSAT as the clamp and a requantization without the
 * sign-dependent rounding term, exact because every result <= 0 clamps to -128 anyway
 * (proof at strip_mbqm_relu in tfw_conv2d_s8.c). The generator picks it only then. */
void tfw_conv2d_s8_strip_relu(const tfw_conv2d_strip_params *p, const int8_t *input,
                              const int8_t *filter, const int32_t *records, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* TFW_CONV2D_S8_H */
