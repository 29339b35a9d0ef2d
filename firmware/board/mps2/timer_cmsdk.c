/*
 * timer_cmsdk.c - Arm CMSDK APB TIMER0 as the tinyfw cycle/instruction timer.
 *
 * A 32-bit down-counter clocked at TINYFW_TIMER_CLOCK_HZ (25 MHz on AN386/AN500). It is
 * started at 0xFFFFFFFF with reload 0xFFFFFFFF and no interrupt, so ticks = 0xFFFFFFFF - VALUE
 * counts up from 0 and wraps after 2^32 ticks (171.8 s of board time at 25 MHz). Resolution:
 * one tick. Under QEMU -icount shift=N one instruction takes 2^N ns of virtual time, so
 * instructions = ticks * 40 ns / 2^N (sim/qemu.py ticks_to_instructions).
 */
#include <stdint.h>

#include "../board.h"
#include "../common/board_internal.h"

#if defined(TINYFW_TIMER_KIND_CMSDK_TIMER) /* else SysTick (common/timer_systick.c) */

#define TIMER_CTRL BOARD_REG32(TINYFW_TIMER_BASE + 0x00u)
#define TIMER_VALUE BOARD_REG32(TINYFW_TIMER_BASE + 0x04u)
#define TIMER_RELOAD BOARD_REG32(TINYFW_TIMER_BASE + 0x08u)
#define TIMER_INTCLEAR BOARD_REG32(TINYFW_TIMER_BASE + 0x0Cu)

#define TIMER_CTRL_ENABLE (1u << 0)

void board_timer_start(void)
{
    TIMER_CTRL = 0u;
    TIMER_RELOAD = 0xFFFFFFFFu;
    TIMER_VALUE = 0xFFFFFFFFu;
    TIMER_INTCLEAR = 1u;
    TIMER_CTRL = TIMER_CTRL_ENABLE;
}

uint32_t board_timer_ticks(void)
{
    return 0xFFFFFFFFu - TIMER_VALUE;
}

#endif /* TINYFW_TIMER_KIND_CMSDK_TIMER */
