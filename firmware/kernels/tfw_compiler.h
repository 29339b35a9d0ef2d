/* tinyfw: every compiler- and target-specific spelling the kernels use, in one place.
 *
 *   TFW_HAS_DSP             1 where the Cortex-M DSP extension (SIMD32: SMLAD, SXTB16, ...) is
 *                           used: __ARM_FEATURE_DSP (Cortex-M4/M7/M33) and not TFW_NO_DSP.
 *                           Build with -DTFW_NO_DSP to force the plain C path on a DSP core
 *                           (same results, bit for bit).
 *   TFW_HAS_SAT             1 where SSAT/USAT exist (__ARM_FEATURE_SAT: ARMv7-M and later,
 *                           also the Cortex-M3; not part of the DSP extension)
 *   TFW_HAS_THUMB2          1 on Thumb-2 cores (SMLAL for the 64-bit multiply-accumulate)
 *   TFW_ALIGNED(n)          object alignment in bytes
 *   TFW_NOINLINE            keep a function out of line (rare paths, code size)
 *   TFW_WEAK                a definition an application may replace
 *   TFW_RESTRICT            C99 restrict, also in C++
 *   TFW_LIKELY(x) / TFW_UNLIKELY(x)   branch hints
 *   TFW_ASSUME_ALIGNED(p, n)          p, promised to be n-byte aligned
 *   TFW_CLZ(x)              count leading zeros of a nonzero uint32_t
 */
#ifndef TFW_COMPILER_H
#define TFW_COMPILER_H

#if defined(__ARM_FEATURE_DSP) && !defined(TFW_NO_DSP)
#define TFW_HAS_DSP 1
#else
#define TFW_HAS_DSP 0
#endif

#if defined(__ARM_FEATURE_SAT)
#define TFW_HAS_SAT 1
#else
#define TFW_HAS_SAT 0
#endif

#if defined(__ARM_ARCH_ISA_THUMB) && __ARM_ARCH_ISA_THUMB >= 2
#define TFW_HAS_THUMB2 1
#else
#define TFW_HAS_THUMB2 0
#endif

#if defined(__GNUC__) || defined(__clang__)
#define TFW_ALIGNED(n) __attribute__((aligned(n)))
#define TFW_NOINLINE __attribute__((noinline))
#define TFW_WEAK __attribute__((weak))
#define TFW_LIKELY(x) __builtin_expect(!!(x), 1)
#define TFW_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define TFW_ASSUME_ALIGNED(p, n) __builtin_assume_aligned((p), (n))
#define TFW_CLZ(x) __builtin_clz(x)
#else
#error "tinyfw kernels need GCC or Clang (add this compiler's spellings to tfw_compiler.h)"
#endif

#if defined(__cplusplus)
#define TFW_RESTRICT __restrict
#else
#define TFW_RESTRICT restrict
#endif

#endif /* TFW_COMPILER_H */
