/*
 * timer_nrf.c - TIMER0 of the nRF51/nRF52 (nRF51 RM section 19, nRF52840 PS section 6.30) as
 * the tinyfw timer: timer mode, 32-bit, prescaler 0 (16 MHz, 62.5 ns per tick), free running,
 * no interrupt. The counter cannot be read directly: TASKS_CAPTURE[0] copies it into CC[0].
 * Under QEMU -icount shift=8 a tick lasts 0.24 instructions; the 32-bit counter wraps after
 * 268 s (1 billion instructions at shift 8).
 */
#include <stdint.h>

#include "../board.h"
#include "nrf.h"

#define TIMER_TASKS_START BOARD_REG32(TINYFW_TIMER_BASE + 0x000u)
#define TIMER_TASKS_STOP BOARD_REG32(TINYFW_TIMER_BASE + 0x004u)
#define TIMER_TASKS_CLEAR BOARD_REG32(TINYFW_TIMER_BASE + 0x00Cu)
#define TIMER_TASKS_CAPTURE0 BOARD_REG32(TINYFW_TIMER_BASE + 0x040u)
#define TIMER_MODE BOARD_REG32(TINYFW_TIMER_BASE + 0x504u)
#define TIMER_BITMODE BOARD_REG32(TINYFW_TIMER_BASE + 0x508u)
#define TIMER_PRESCALER BOARD_REG32(TINYFW_TIMER_BASE + 0x510u)
#define TIMER_CC0 BOARD_REG32(TINYFW_TIMER_BASE + 0x540u)

#define TIMER_MODE_TIMER 0u
#define TIMER_BITMODE_32 3u

_Static_assert(TINYFW_TIMER_CLOCK_HZ == 16000000u,
               "nrf_timer: prescaler 0 counts the 16 MHz clock (tinyfw.timer.clock_hz)");

void board_timer_start(void)
{
    TIMER_TASKS_STOP = 1u;
    TIMER_MODE = TIMER_MODE_TIMER;
    TIMER_BITMODE = TIMER_BITMODE_32;
    TIMER_PRESCALER = 0u;
    TIMER_TASKS_CLEAR = 1u;
    TIMER_TASKS_START = 1u;
}

uint32_t board_timer_ticks(void)
{
    TIMER_TASKS_CAPTURE0 = 1u;
    return TIMER_CC0;
}
