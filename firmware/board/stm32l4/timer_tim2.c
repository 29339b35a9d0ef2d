/*
 * timer_tim2.c - TIM2 of the STM32L475 as the tinyfw timer: a 32-bit up-counter at the core
 * clock (TINYFW_TIMER_CLOCK_HZ, 80 MHz: prescaler 1, APB1 undivided), free running from 0 to
 * 0xFFFFFFFF and wrapping (53.7 s), no interrupt. On real hardware these are core clock
 * cycles, wait states and all, not instructions.
 */
#include <stdint.h>

#include "../board.h"
#include "stm32l4.h"

#define TIM_CR1 BOARD_REG32(TINYFW_TIMER_BASE + 0x00u)
#define TIM_EGR BOARD_REG32(TINYFW_TIMER_BASE + 0x14u)
#define TIM_CNT BOARD_REG32(TINYFW_TIMER_BASE + 0x24u)
#define TIM_PSC BOARD_REG32(TINYFW_TIMER_BASE + 0x28u)
#define TIM_ARR BOARD_REG32(TINYFW_TIMER_BASE + 0x2Cu)

#define TIM_CR1_CEN (1u << 0)
#define TIM_EGR_UG (1u << 0)

void board_timer_start(void)
{
    RCC_APB1ENR1 |= RCC_APB1ENR1_TIM2EN;
    (void)RCC_APB1ENR1;
    TIM_CR1 = 0u;
    TIM_PSC = 0u;          /* count every clock */
    TIM_ARR = 0xFFFFFFFFu; /* the full 32 bits */
    TIM_EGR = TIM_EGR_UG;  /* load PSC and ARR now */
    TIM_CNT = 0u;
    TIM_CR1 = TIM_CR1_CEN;
}

uint32_t board_timer_ticks(void)
{
    return TIM_CNT;
}
