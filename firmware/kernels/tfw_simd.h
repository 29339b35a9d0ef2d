/* tinyfw int8 kernels: the few Cortex-M DSP-extension (SIMD32) helpers the kernels share,
 * only defined where TFW_HAS_DSP is (Cortex-M4/M7/M33 without TFW_NO_DSP). ACLE intrinsics from arm_acle.h
 * plus the rotated forms GCC does not fold by itself.
 *   tfw_read_s8x4(p)         4 int8 from any address as one word (an unaligned LDR)
 *   tfw_write_s8x4(p, v)     the same, stored
 *   tfw_sxtb16_odd(v)        bytes 1 and 3 sign-extended into two int16 lanes (SXTB16 ROR #8);
 *                            __sxtb16(v) gives bytes 0 and 2
 *   tfw_sxtab16_odd(acc, v)  acc's two int16 lanes + bytes 1 and 3 (SXTAB16 ROR #8)
 *   tfw_dup16(v)             v in both int16 lanes
 *   tfw_store_s8x2(p, a, b, offset2, lo2, hi2)
 *                            p[0] = clamp(a + offset, lo, hi), p[1] = the same for b, in 16-bit
 *                            lanes (lo2, hi2, offset2 from tfw_dup16), one STRH
 */
#ifndef TFW_SIMD_H
#define TFW_SIMD_H

#include "tfw_compiler.h"

#if TFW_HAS_DSP
#include <arm_acle.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

static inline int32_t tfw_read_s8x4(const int8_t *p)
{
    int32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void tfw_write_s8x4(int8_t *p, int32_t v)
{
    memcpy(p, &v, sizeof v);
}

static inline int32_t tfw_sxtb16_odd(int32_t v)
{
    int32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(v));
    return r;
}

static inline int32_t tfw_sxtab16_odd(int32_t acc, int32_t v)
{
    int32_t r;
    __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(acc), "r"(v));
    return r;
}

static inline int32_t tfw_dup16(int32_t v)
{
    return (int32_t)(((uint32_t)v & 0xFFFFu) * 0x00010001u);
}

/* a and b saturate to int16 first: with lo, hi within int8 and |offset| < 2^15 that cannot
 * change the clamped result (QADD16 saturates the sum the same way). */
static inline void tfw_store_s8x2(int8_t *p, int32_t a, int32_t b, int32_t offset2, int32_t lo2,
                                  int32_t hi2)
{
    int32_t v;
    __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(v) : "r"(__ssat(a, 16)), "r"(__ssat(b, 16)));
    v = __qadd16(v, offset2);
    (void)__ssub16(v, lo2); /* GE per lane: v >= lo */
    v = (int32_t)__sel((uint32_t)v, (uint32_t)lo2);
    (void)__ssub16(hi2, v); /* GE per lane: hi >= v */
    v = (int32_t)__sel((uint32_t)v, (uint32_t)hi2);
    const uint32_t bytes = __uxtb16((uint32_t)v); /* the low byte of each lane */
    const uint16_t pair = (uint16_t)(bytes | (bytes >> 8));
    memcpy(p, &pair, sizeof pair);
}

#ifdef __cplusplus
}
#endif
#endif /* TFW_HAS_DSP */

#endif /* TFW_SIMD_H */
