/*
 * clock_nrf.c - the high-frequency clock of the nRF51/nRF52 (CLOCK peripheral): start the
 * external 16 MHz (nRF51822 on the micro:bit) or 32 MHz (nRF52840) crystal so that the
 * TIMER and UART run on it. The CPU clock itself is fixed (16 MHz nRF51, 64 MHz nRF52840).
 * QEMU's micro:bit models the CLOCK events as always set.
 */
#include <stdint.h>

#include "nrf.h"

void nrf_hfclk_start(void)
{
    NRF_CLOCK_EVENTS_HFCLKSTARTED = 0u;
    NRF_CLOCK_TASKS_HFCLKSTART = 1u;
    for (uint32_t spin = 0u; spin < 1000000u && NRF_CLOCK_EVENTS_HFCLKSTARTED == 0u; ++spin) {
    }
}
