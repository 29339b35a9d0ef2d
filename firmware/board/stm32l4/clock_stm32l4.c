/*
 * clock_stm32l4.c - 80 MHz on the STM32L475 from the internal MSI oscillator, no crystal.
 *
 * After reset the core runs on MSI at 4 MHz (MSIRANGE 6). The main PLL takes MSI / M with
 * M = 1 (VCO input 4 MHz, allowed 4..16 MHz), multiplies by N = 40 (VCO 160 MHz, allowed
 * 64..344 MHz) and divides by R = 2: PLLCLK = 80 MHz, the maximum in voltage range 1. AHB,
 * APB1 and APB2 run undivided, so USART1 (PCLK2), I2C2 (PCLK1) and TIM2 (PCLK1, x1 when the
 * APB1 prescaler is 1) all count at 80 MHz. Order (RM0351): range 1, flash wait states
 * (4 at 80 MHz) with prefetch and caches, PLL configured and locked, then the SYSCLK switch.
 */
#include <stdint.h>

#include "stm32l4.h"

#define MSI_HZ 4000000u
#define PLL_M 1u
#define PLL_N 40u
#define PLL_R 2u
#define FLASH_WAIT_STATES 4u

_Static_assert(MSI_HZ / PLL_M * PLL_N / PLL_R == TINYFW_CPU_CLOCK_HZ,
               "the PLL settings must give build.f_cpu of the board manifest");
_Static_assert(TINYFW_UART_CLOCK_HZ == TINYFW_CPU_CLOCK_HZ &&
                   TINYFW_TIMER_CLOCK_HZ == TINYFW_CPU_CLOCK_HZ,
               "USART1 and TIM2 run on undivided APB clocks: their clock_hz is build.f_cpu");

/* Bounded wait for (reg & mask) == value; the oscillators settle within microseconds. */
static void wait_bits(volatile uint32_t *reg, uint32_t mask, uint32_t value)
{
    for (uint32_t spin = 0u; spin < 1000000u; ++spin) {
        if ((*reg & mask) == value) {
            return;
        }
    }
}

void stm32l4_clock_init(void)
{
    if ((RCC_CFGR & RCC_CFGR_SWS_MASK) == RCC_CFGR_SWS_PLL) {
        return; /* already running from the PLL (e.g. the fault handler re-inits the UART) */
    }
    RCC_APB1ENR1 |= RCC_APB1ENR1_PWREN;
    (void)RCC_APB1ENR1; /* read back: the enable takes effect before the PWR access */
    PWR_CR1 = (PWR_CR1 & ~PWR_CR1_VOS_MASK) | PWR_CR1_VOS_RANGE1;
    wait_bits(&PWR_SR2, PWR_SR2_VOSF, 0u);

    FLASH_ACR = (FLASH_ACR & ~FLASH_ACR_LATENCY_MASK) | FLASH_WAIT_STATES | FLASH_ACR_PRFTEN |
                FLASH_ACR_ICEN | FLASH_ACR_DCEN;
    wait_bits(&FLASH_ACR, FLASH_ACR_LATENCY_MASK, FLASH_WAIT_STATES);

    wait_bits(&RCC_CR, RCC_CR_MSIRDY, RCC_CR_MSIRDY);
    RCC_CR &= ~RCC_CR_PLLON;
    wait_bits(&RCC_CR, RCC_CR_PLLRDY, 0u);
    RCC_PLLCFGR = RCC_PLLCFGR_PLLSRC_MSI | ((PLL_M - 1u) << RCC_PLLCFGR_PLLM_SHIFT) |
                  (PLL_N << RCC_PLLCFGR_PLLN_SHIFT) | RCC_PLLCFGR_PLLREN |
                  (((PLL_R / 2u) - 1u) << RCC_PLLCFGR_PLLR_SHIFT);
    RCC_CR |= RCC_CR_PLLON;
    wait_bits(&RCC_CR, RCC_CR_PLLRDY, RCC_CR_PLLRDY);

    RCC_CFGR = (RCC_CFGR & ~(RCC_CFGR_HPRE_MASK | RCC_CFGR_PPRE1_MASK | RCC_CFGR_PPRE2_MASK |
                             RCC_CFGR_SW_MASK)) |
               RCC_CFGR_SW_PLL;
    wait_bits(&RCC_CFGR, RCC_CFGR_SWS_MASK, RCC_CFGR_SWS_PLL);
}
