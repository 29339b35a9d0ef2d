/* MEAN int8: see tfw_mean_s8.h. */
#include "tfw_mean_s8.h"

#include "tfw_compiler.h"

#include "tfw_qmath.h"
#include "tfw_simd.h"

void tfw_mean_s8(const tfw_mean_params *p, const int8_t *input, int32_t *scratch, int8_t *output)
{
    for (int32_t i = 0; i < p->out_count; ++i) {
        scratch[i] = 0;
    }
    int32_t total = 1;
    for (int32_t d = 0; d < p->rank; ++d) {
        total *= p->in_dims[d];
    }
    /* Walk the input in memory order with a multi-index; the output index follows it. */
    int32_t idx[TFW_MEAN_MAX_RANK] = {0};
    int32_t out = 0;
    for (int32_t i = 0; i < total; ++i) {
        scratch[out] += input[i];
        for (int32_t d = p->rank - 1; d >= 0; --d) {
            out += p->out_strides[d];
            if (++idx[d] < p->in_dims[d]) {
                break;
            }
            out -= p->out_strides[d] * idx[d];
            idx[d] = 0;
        }
    }
    const int32_t zp_sum = p->input_zero_point * p->num_reduced;
    for (int32_t i = 0; i < p->out_count; ++i) {
        int32_t v = tfw_mbqm(scratch[i] - zp_sum, p->multiplier, p->shift) + p->output_zero_point;
        output[i] = (int8_t)tfw_clamp(v, -128, 127);
    }
}

static inline int8_t mean_requant(const tfw_mean_contiguous_params *p, int32_t sum)
{
    const int32_t x = sum - p->input_zero_point * p->reduce;
    const int32_t v = p->shift <= -2
                          ? tfw_mbqm_rs(x, p->multiplier, -p->shift - 1, 1 << (-p->shift - 2))
                          : tfw_mbqm(x, p->multiplier, p->shift);
    return (int8_t)tfw_sat8(v + p->output_zero_point);
}

void tfw_mean_contiguous_s8(const tfw_mean_contiguous_params *p, const int8_t *input,
                            int8_t *output)
{
    const int32_t reduce = p->reduce, inner = p->inner;
    for (int32_t o = 0; o < p->outer; ++o) {
        const int8_t *in = input + o * reduce * inner;
        int8_t *out = output + o * inner;
        int32_t i = 0;
#if TFW_HAS_DSP
        /* 4 channels at a time in 16-bit lanes: SXTAB16 adds bytes 0 and 2 (1 and 3 rotated)
         * of a word to two int16 lanes; 256 values of [-128, 127] cannot overflow a lane. */
        for (; i + 4 <= inner; i += 4) {
            int32_t sum[4] = {0, 0, 0, 0};
            for (int32_t r0 = 0; r0 < reduce; r0 += 256) {
                const int32_t r1 = reduce - r0 < 256 ? reduce : r0 + 256;
                int32_t even = 0, odd = 0; /* lanes: channels (i, i + 2) and (i + 1, i + 3) */
                const int8_t *src = in + r0 * inner + i;
                for (int32_t r = r0; r < r1; ++r) {
                    const int32_t v = tfw_read_s8x4(src);
                    src += inner;
                    even = __sxtab16(even, v);
                    odd = tfw_sxtab16_odd(odd, v);
                }
                sum[0] += (int16_t)even;
                sum[1] += (int16_t)odd;
                sum[2] += even >> 16;
                sum[3] += odd >> 16;
            }
            for (int32_t q = 0; q < 4; ++q) {
                out[i + q] = mean_requant(p, sum[q]);
            }
        }
#endif
        for (; i < inner; ++i) {
            int32_t sum = 0;
            const int8_t *src = in + i;
            for (int32_t r = 0; r < reduce; ++r) {
                sum += *src;
                src += inner;
            }
            out[i] = mean_requant(p, sum);
        }
    }
}
