/*
 * clock_stm32f4.c - the core clock of an STM32F4 board from its manifest's build.f_cpu.
 *
 * 16 MHz (netduinoplus2): the reset clock, HSI, is kept; nothing is written. QEMU 7.2 models
 * no RCC on its STM32F405 (reads 0, writes ignored), so a PLL start-up could never finish
 * there; the UART and timer drivers do not depend on the clock in QEMU.
 *
 * 100 MHz (nucleo_f411re, RM0383 section 6): HSI / M = 8 -> 2 MHz VCO input (1..2 MHz),
 * x N = 100 -> VCO 200 MHz (100..432 MHz), / P = 2 -> SYSCLK 100 MHz, the STM32F411's
 * maximum. Q = 4 (50 MHz; no USB). AHB /1 (HCLK 100 MHz), APB1 /2 (PCLK1 50 MHz, its
 * maximum; TIM2 then counts at 2 x PCLK1 = 100 MHz), APB2 /1 (100 MHz). Order: PWR clock on,
 * regulator scale 1, flash 3 wait states with prefetch and caches (2.7..3.6 V, 90..100 MHz),
 * PLL configured and locked, SYSCLK switched to the PLL. Every wait is bounded.
 */
#include <stdint.h>

#include "stm32f4.h"

#if TINYFW_CPU_CLOCK_HZ == STM32F4_HSI_HZ

_Static_assert(TINYFW_UART_CLOCK_HZ == STM32F4_HSI_HZ,
               "on the reset clock every bus runs at 16 MHz: uart clock_hz = build.f_cpu");

void stm32f4_clock_init(void)
{
}

#elif TINYFW_CPU_CLOCK_HZ == 100000000u

#define PLL_M 8u
#define PLL_N 100u
#define PLL_P 2u
#define PLL_Q 4u
#define FLASH_WAIT_STATES 3u

_Static_assert(STM32F4_HSI_HZ / PLL_M * PLL_N / PLL_P == TINYFW_CPU_CLOCK_HZ,
               "the PLL settings must give build.f_cpu of the board manifest");
_Static_assert(TINYFW_TIMER_INPUT_HZ == TINYFW_CPU_CLOCK_HZ,
               "TIM2's input is 2 x PCLK1 = the core clock: timer input_hz is build.f_cpu");
_Static_assert(TINYFW_UART_CLOCK_HZ == TINYFW_CPU_CLOCK_HZ / 2u ||
                   TINYFW_UART_CLOCK_HZ == TINYFW_CPU_CLOCK_HZ,
               "USART2 runs on PCLK1 (build.f_cpu / 2), USART1 on PCLK2 (build.f_cpu)");

static void wait_bits(volatile uint32_t *reg, uint32_t mask, uint32_t value)
{
    for (uint32_t spin = 0u; spin < 1000000u; ++spin) {
        if ((*reg & mask) == value) {
            return;
        }
    }
}

void stm32f4_clock_init(void)
{
    if ((RCC_CFGR & RCC_CFGR_SWS_MASK) == RCC_CFGR_SWS_PLL) {
        return; /* already on the PLL (the fault handler re-inits the UART) */
    }
    RCC_APB1ENR |= RCC_APB1ENR_PWREN;
    (void)RCC_APB1ENR; /* read back: the enable takes effect before the PWR access */
    PWR_CR = (PWR_CR & ~PWR_CR_VOS_MASK) | PWR_CR_VOS_SCALE1;

    FLASH_ACR = (FLASH_ACR & ~FLASH_ACR_LATENCY_MASK) | FLASH_WAIT_STATES | FLASH_ACR_PRFTEN |
                FLASH_ACR_ICEN | FLASH_ACR_DCEN;
    wait_bits(&FLASH_ACR, FLASH_ACR_LATENCY_MASK, FLASH_WAIT_STATES);

    wait_bits(&RCC_CR, RCC_CR_HSIRDY, RCC_CR_HSIRDY);
    RCC_CR &= ~RCC_CR_PLLON;
    wait_bits(&RCC_CR, RCC_CR_PLLRDY, 0u);
    RCC_PLLCFGR = (PLL_M << RCC_PLLCFGR_PLLM_SHIFT) | (PLL_N << RCC_PLLCFGR_PLLN_SHIFT) |
                  (((PLL_P / 2u) - 1u) << RCC_PLLCFGR_PLLP_SHIFT) |
                  (PLL_Q << RCC_PLLCFGR_PLLQ_SHIFT); /* PLLSRC = 0: HSI */
    RCC_CR |= RCC_CR_PLLON;
    wait_bits(&RCC_CR, RCC_CR_PLLRDY, RCC_CR_PLLRDY);

    RCC_CFGR = (RCC_CFGR & ~(RCC_CFGR_HPRE_MASK | RCC_CFGR_PPRE1_MASK | RCC_CFGR_PPRE2_MASK |
                             RCC_CFGR_SW_MASK)) |
               RCC_CFGR_PPRE1_DIV2 | RCC_CFGR_SW_PLL;
    wait_bits(&RCC_CFGR, RCC_CFGR_SWS_MASK, RCC_CFGR_SWS_PLL);
}

#else
#error "stm32f4: build.f_cpu must be 16000000 (HSI, reset clock) or 100000000 (PLL, STM32F411)"
#endif
