/*
 * timer_tim2_f4.c - TIM2 of an STM32F4 (32-bit general-purpose timer, RM0383 section 13) as
 * the tinyfw timer: an up-counter at TINYFW_TIMER_CLOCK_HZ, free running over the full 32
 * bits, no interrupt. The prescaler divides the timer's input clock (tinyfw.timer.input_hz,
 * TINYFW_TIMER_INPUT_HZ) down to that rate:
 * nucleo_f411re: TIM2's input is 2 x PCLK1 = 100 MHz, the core clock; prescaler 1 (core
 * cycles on real hardware, flash wait states included).
 * netduinoplus2 in QEMU 7.2: the STM32F405 model clocks TIM2..5 at 1 GHz of QEMU's virtual
 * clock whatever RCC says; prescaler 10 gives 100 MHz (10 ns: 0.04 instructions at
 * -icount shift=8, and a 32-bit wrap after 43 s, 167 million instructions).
 */
#include <stdint.h>

#include "../board.h"
#include "stm32f4.h"

#define TIM_CR1 BOARD_REG32(TINYFW_TIMER_BASE + 0x00u)
#define TIM_EGR BOARD_REG32(TINYFW_TIMER_BASE + 0x14u)
#define TIM_CNT BOARD_REG32(TINYFW_TIMER_BASE + 0x24u)
#define TIM_PSC BOARD_REG32(TINYFW_TIMER_BASE + 0x28u)
#define TIM_ARR BOARD_REG32(TINYFW_TIMER_BASE + 0x2Cu)

#define TIM_CR1_CEN (1u << 0)
#define TIM_EGR_UG (1u << 0)

_Static_assert(TINYFW_TIMER_BASE == 0x40000000u, "stm32f4: the timer is TIM2 (0x40000000)");
_Static_assert(TINYFW_TIMER_INPUT_HZ % TINYFW_TIMER_CLOCK_HZ == 0u &&
                   TINYFW_TIMER_INPUT_HZ / TINYFW_TIMER_CLOCK_HZ <= 65536u,
               "tinyfw.timer.input_hz / clock_hz must be a whole prescaler in 1..65536");
#define TIM_PRESCALER (TINYFW_TIMER_INPUT_HZ / TINYFW_TIMER_CLOCK_HZ)

void board_timer_start(void)
{
    RCC_APB1ENR |= RCC_APB1ENR_TIM2EN;
    (void)RCC_APB1ENR;
    TIM_CR1 = 0u;
    TIM_PSC = TIM_PRESCALER - 1u;
    TIM_ARR = 0xFFFFFFFFu; /* the full 32 bits */
    TIM_EGR = TIM_EGR_UG;  /* load PSC and ARR now */
    TIM_CNT = 0u;
    TIM_CR1 = TIM_CR1_CEN;
}

uint32_t board_timer_ticks(void)
{
    return TIM_CNT;
}
