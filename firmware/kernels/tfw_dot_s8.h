/* tinyfw int8 kernels: the dot products inside CONV_2D and FULLY_CONNECTED.
 *
 * Filter rows come in the "pair-packed" layout the generator writes (codegen/ops/_packing.py):
 * every row of K values is padded with zeros to K4 = K rounded up to a multiple of 4, and rows
 * are stored two by two, interleaved in groups of 4 values:
 *     w[8c + q]     = row_a[4c + q]      q = 0..3, c = 0..K4/4-1
 *     w[8c + 4 + q] = row_b[4c + q]
 * (a pair of 2 * K4 bytes; an odd last row is paired with itself). The activation rows x0, x1
 * are read for K4 values, so the caller makes sure that K4 bytes are readable there; the values
 * past K meet zero weights and add nothing. No alignment is needed for x; w is 4-byte aligned.
 *
 * Sums are int32 and wrap (mod 2^32), as TFLite Micro's int32 accumulators do; the order of
 * integer additions does not change a wrapped sum, so any order is bit-exact.
 *
 * Two paths with the same results: Cortex-M4/M7/M33 (TFW_HAS_DSP): SXTB16 splits a word
 * of 4 int8 into two pairs of int16 (values 0,2 and, rotated by 8 bits, 1,3) and SMLAD adds two
 * products per instruction; plain C everywhere else (the host tests, Cortex-M3).
 */
#ifndef TFW_DOT_S8_H
#define TFW_DOT_S8_H

#include "tfw_compiler.h"

#include <stdint.h>

#include "tfw_simd.h"

#ifdef __cplusplus
extern "C" {
#endif

/* acc[0] += x0 . a, acc[1] += x0 . b, acc[2] += x1 . a, acc[3] += x1 . b for the row pair
 * (a, b) at w (2 * k4 bytes); k4 > 0 is a multiple of 4. */
static inline void tfw_dot_s8_2x2(const int8_t *x0, const int8_t *x1, const int8_t *w, int32_t k4,
                                  int32_t acc[4])
{
#if TFW_HAS_DSP
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    const int8_t *const end = x0 + k4;
    do {
        /* w is 8-byte aligned (pairs of K4 rows in an aligned array): one LDRD */
        int32_t wab[2];
        memcpy(wab, TFW_ASSUME_ALIGNED(w, 8), sizeof wab);
        w += 8;
        const int32_t wa = wab[0], wb = wab[1];
        const int32_t wa_even = __sxtb16(wa), wa_odd = tfw_sxtb16_odd(wa);
        const int32_t wb_even = __sxtb16(wb), wb_odd = tfw_sxtb16_odd(wb);
        int32_t v = tfw_read_s8x4(x0);
        x0 += 4;
        int32_t even = __sxtb16(v), odd = tfw_sxtb16_odd(v);
        a0 = __smlad(even, wa_even, a0);
        a0 = __smlad(odd, wa_odd, a0);
        a1 = __smlad(even, wb_even, a1);
        a1 = __smlad(odd, wb_odd, a1);
        v = tfw_read_s8x4(x1);
        x1 += 4;
        even = __sxtb16(v);
        odd = tfw_sxtb16_odd(v);
        a2 = __smlad(even, wa_even, a2);
        a2 = __smlad(odd, wa_odd, a2);
        a3 = __smlad(even, wb_even, a3);
        a3 = __smlad(odd, wb_odd, a3);
    } while (x0 != end);
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
#else
    /* uint32 sums: wrap-around is defined (and what TFLM's int32 sums do). The 4 values of a
     * group are written out: a loop of 4 would cost a compare and a branch per value. */
    uint32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
#define TFW_DOT_2X2_VALUE(q)                                   \
    do {                                                       \
        const int32_t va = w[q], vb = w[4 + (q)];              \
        const int32_t v0 = x0[q], v1 = x1[q];                  \
        a0 += (uint32_t)(v0 * va);                             \
        a1 += (uint32_t)(v0 * vb);                             \
        a2 += (uint32_t)(v1 * va);                             \
        a3 += (uint32_t)(v1 * vb);                             \
    } while (0)
    for (int32_t c = 0; c < k4; c += 4, x0 += 4, x1 += 4, w += 8) {
        TFW_DOT_2X2_VALUE(0);
        TFW_DOT_2X2_VALUE(1);
        TFW_DOT_2X2_VALUE(2);
        TFW_DOT_2X2_VALUE(3);
    }
#undef TFW_DOT_2X2_VALUE
    acc[0] = (int32_t)((uint32_t)acc[0] + a0);
    acc[1] = (int32_t)((uint32_t)acc[1] + a1);
    acc[2] = (int32_t)((uint32_t)acc[2] + a2);
    acc[3] = (int32_t)((uint32_t)acc[3] + a3);
#endif
}

/* tfw_dot_s8_2x2 for a k4 known at compile time (a constant at the call site, at most 32):
 * the loop is unrolled completely, so no loop counter or end pointer stays live. */
static inline __attribute__((always_inline)) void tfw_dot_s8_2x2_k(const int8_t *x0,
                                                                   const int8_t *x1,
                                                                   const int8_t *w,
                                                                   const int32_t k4,
                                                                   int32_t acc[4])
{
#if TFW_HAS_DSP
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
#pragma GCC unroll 8
    for (int32_t c = 0; c < k4; c += 4) {
        int32_t wab[2];
        memcpy(wab, TFW_ASSUME_ALIGNED(w + 2 * c, 8), sizeof wab);
        const int32_t wa = wab[0], wb = wab[1];
        const int32_t wa_even = __sxtb16(wa), wa_odd = tfw_sxtb16_odd(wa);
        const int32_t wb_even = __sxtb16(wb), wb_odd = tfw_sxtb16_odd(wb);
        int32_t v = tfw_read_s8x4(x0 + c);
        int32_t even = __sxtb16(v), odd = tfw_sxtb16_odd(v);
        a0 = __smlad(even, wa_even, a0);
        a0 = __smlad(odd, wa_odd, a0);
        a1 = __smlad(even, wb_even, a1);
        a1 = __smlad(odd, wb_odd, a1);
        v = tfw_read_s8x4(x1 + c);
        even = __sxtb16(v);
        odd = tfw_sxtb16_odd(v);
        a2 = __smlad(even, wa_even, a2);
        a2 = __smlad(odd, wa_odd, a2);
        a3 = __smlad(even, wb_even, a3);
        a3 = __smlad(odd, wb_odd, a3);
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
#else
    tfw_dot_s8_2x2(x0, x1, w, k4, acc);
#endif
}

/* acc[0] += x . a, acc[1] += x . b for the row pair (a, b) at w (2 * k4 bytes). */
static inline void tfw_dot_s8_1x2(const int8_t *x, const int8_t *w, int32_t k4, int32_t acc[2])
{
#if TFW_HAS_DSP
    int32_t a0 = acc[0], a1 = acc[1];
    const int8_t *const end = x + k4;
    do {
        const int32_t wa = tfw_read_s8x4(w), wb = tfw_read_s8x4(w + 4);
        w += 8;
        const int32_t v = tfw_read_s8x4(x);
        x += 4;
        const int32_t even = __sxtb16(v), odd = tfw_sxtb16_odd(v);
        a0 = __smlad(even, __sxtb16(wa), a0);
        a0 = __smlad(odd, tfw_sxtb16_odd(wa), a0);
        a1 = __smlad(even, __sxtb16(wb), a1);
        a1 = __smlad(odd, tfw_sxtb16_odd(wb), a1);
    } while (x != end);
    acc[0] = a0;
    acc[1] = a1;
#else
    uint32_t a0 = 0, a1 = 0;
    for (int32_t c = 0; c < k4; c += 4, x += 4, w += 8) {
        a0 += (uint32_t)(x[0] * w[0] + x[1] * w[1] + x[2] * w[2] + x[3] * w[3]);
        a1 += (uint32_t)(x[0] * w[4] + x[1] * w[5] + x[2] * w[6] + x[3] * w[7]);
    }
    acc[0] = (int32_t)((uint32_t)acc[0] + a0);
    acc[1] = (int32_t)((uint32_t)acc[1] + a1);
#endif
}

#ifdef __cplusplus
}
#endif

#endif /* TFW_DOT_S8_H */
