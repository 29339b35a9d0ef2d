/*
 * timer_systick.c - the tinyfw timer on boards whose manifest says tinyfw.timer.kind
 * "systick" (lm3s6965evb, mps3_an547): SysTick on the core clock, extended from 24 to 32 bits
 * by counting wraps in SysTick_Handler. Compiled only for those boards
 * (TINYFW_TIMER_KIND_SYSTICK from the builder); every Cortex-M has a SysTick, so it lives in
 * common/.
 *
 * Why SysTick: QEMU's Stellaris general-purpose timers cannot be read back (their value
 * register is not modelled), SysTick can; the SSE-300 of mps3_an547 has no CMSDK timer at
 * the core clock (its timers are system-counter timers, the CMSDK one runs at 32 kHz).
 * SysTick counts RELOAD..0 at TINYFW_TIMER_CLOCK_HZ (the core clock) and interrupts on the
 * 1 -> 0 step; with RELOAD = 2^24 - 1 one period is
 * exactly 2^24 ticks, so
 *     ticks = wraps * 2^24 + ((2^24 - VALUE) mod 2^24) - 1
 * counts up by one per clock and wraps at 2^32 ticks. Resolution: one tick. Each wrap runs the
 * handler (5 instructions per 2^24 ticks), which a measurement includes. Right after
 * board_timer_start() the counter reads 0xFFFFFFFF for one tick (VALUE is 0 until the first
 * reload); differences (t1 - t0) are unaffected.
 */
#include <stdint.h>

#include "../board.h"
#include "board_internal.h"

#if defined(TINYFW_TIMER_KIND_SYSTICK)

#define SYST_CSR_ENABLE (1u << 0)
#define SYST_CSR_TICKINT (1u << 1)
#define SYST_CSR_CLKSOURCE_CORE (1u << 2)
#define SYST_RELOAD_24 0x00FFFFFFu

static volatile uint32_t s_wraps;

void SysTick_Handler(void);

void SysTick_Handler(void)
{
    s_wraps = s_wraps + 1u;
}

void board_timer_start(void)
{
    SYST_CSR = 0u;
    SYST_RVR = SYST_RELOAD_24;
    SYST_CVR = 0u; /* any write clears the counter; it reloads on the next tick */
    SCB_ICSR = 1u << 25; /* PENDSTCLR: drop a wrap that was pending from before */
    s_wraps = 0u;
    SYST_CSR = SYST_CSR_CLKSOURCE_CORE | SYST_CSR_TICKINT | SYST_CSR_ENABLE;
}

uint32_t board_timer_ticks(void)
{
    for (;;) {
        uint32_t wraps = s_wraps;
        uint32_t value = SYST_CVR;
        const uint32_t pending = SCB_ICSR & SCB_ICSR_PENDSTSET;
        if (wraps != s_wraps) {
            continue; /* the handler ran in between: read again */
        }
        if (pending != 0u) {
            /* Wrapped, handler not run yet (interrupts masked): count it, read after it. */
            wraps += 1u;
            value = SYST_CVR;
        }
        return (wraps << 24) + ((0x01000000u - value) & SYST_RELOAD_24) - 1u;
    }
}

#endif /* TINYFW_TIMER_KIND_SYSTICK */
