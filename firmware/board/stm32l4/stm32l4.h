/*
 * stm32l4.h - the few STM32L47x/L48x registers the tinyfw board layer uses, written from the
 * reference manual (RM0351): clock (RCC, FLASH, PWR), GPIO port B and the I2C controller.
 * The UART, timer and sensor bus base addresses come from the board manifest
 * (TINYFW_UART_BASE, TINYFW_TIMER_BASE, TINYFW_SENSOR_I2C_BASE); these are chip constants.
 */
#ifndef TINYFW_STM32L4_H
#define TINYFW_STM32L4_H

#include <stdint.h>

#include "../common/board_internal.h"

/* Reset and clock control (RCC), 0x4002 1000. */
#define RCC_BASE 0x40021000u
#define RCC_CR BOARD_REG32(RCC_BASE + 0x00u)
#define RCC_CFGR BOARD_REG32(RCC_BASE + 0x08u)
#define RCC_PLLCFGR BOARD_REG32(RCC_BASE + 0x0Cu)
#define RCC_AHB2ENR BOARD_REG32(RCC_BASE + 0x4Cu)
#define RCC_APB1ENR1 BOARD_REG32(RCC_BASE + 0x58u)
#define RCC_APB2ENR BOARD_REG32(RCC_BASE + 0x60u)
#define RCC_CCIPR BOARD_REG32(RCC_BASE + 0x88u)

#define RCC_CR_MSIRDY (1u << 1)
#define RCC_CR_PLLON (1u << 24)
#define RCC_CR_PLLRDY (1u << 25)
#define RCC_CFGR_SW_MASK (3u << 0)
#define RCC_CFGR_SW_PLL (3u << 0)
#define RCC_CFGR_SWS_MASK (3u << 2)
#define RCC_CFGR_SWS_PLL (3u << 2)
#define RCC_CFGR_HPRE_MASK (0xFu << 4)   /* AHB prescaler: 0 = /1 */
#define RCC_CFGR_PPRE1_MASK (7u << 8)    /* APB1 prescaler: 0 = /1 */
#define RCC_CFGR_PPRE2_MASK (7u << 11)   /* APB2 prescaler: 0 = /1 */
#define RCC_PLLCFGR_PLLSRC_MSI (1u << 0) /* PLLSRC[1:0] = 01 */
#define RCC_PLLCFGR_PLLM_SHIFT 4u        /* PLLM[2:0]: division = value + 1 */
#define RCC_PLLCFGR_PLLN_SHIFT 8u        /* PLLN[6:0]: multiplication 8..86 */
#define RCC_PLLCFGR_PLLREN (1u << 24)    /* PLLCLK (R output) enable */
#define RCC_PLLCFGR_PLLR_SHIFT 25u       /* PLLR[1:0]: 00 = /2, 01 = /4, 10 = /6, 11 = /8 */
#define RCC_AHB2ENR_GPIOBEN (1u << 1)
#define RCC_APB1ENR1_TIM2EN (1u << 0)
#define RCC_APB1ENR1_I2C2EN (1u << 22)
#define RCC_APB1ENR1_PWREN (1u << 28)
#define RCC_APB2ENR_USART1EN (1u << 14)
#define RCC_CCIPR_USART1SEL_MASK (3u << 0) /* 00 = PCLK2 */
#define RCC_CCIPR_I2C2SEL_MASK (3u << 14)  /* 00 = PCLK1 */

/* Embedded flash interface: wait states before the clock goes up. */
#define FLASH_ACR BOARD_REG32(0x40022000u)
#define FLASH_ACR_LATENCY_MASK 7u
#define FLASH_ACR_PRFTEN (1u << 8)
#define FLASH_ACR_ICEN (1u << 9)
#define FLASH_ACR_DCEN (1u << 10)

/* Power control: voltage range 1 (VOS = 01, the reset value) allows 80 MHz. */
#define PWR_CR1 BOARD_REG32(0x40007000u)
#define PWR_CR1_VOS_MASK (3u << 9)
#define PWR_CR1_VOS_RANGE1 (1u << 9)
#define PWR_SR2 BOARD_REG32(0x40007014u)
#define PWR_SR2_VOSF (1u << 10)

/* GPIO port B, 0x4800 0400. */
#define GPIOB_BASE 0x48000400u
#define GPIOB_MODER BOARD_REG32(GPIOB_BASE + 0x00u)
#define GPIOB_OTYPER BOARD_REG32(GPIOB_BASE + 0x04u)
#define GPIOB_OSPEEDR BOARD_REG32(GPIOB_BASE + 0x08u)
#define GPIOB_PUPDR BOARD_REG32(GPIOB_BASE + 0x0Cu)
#define GPIOB_AFRL BOARD_REG32(GPIOB_BASE + 0x20u)
#define GPIOB_AFRH BOARD_REG32(GPIOB_BASE + 0x24u)
#define GPIO_MODE_AF 2u
#define GPIO_SPEED_HIGH 2u
#define GPIO_PULL_UP 1u

/* Pin `pin` of port B to alternate function `af` (push-pull or open-drain, pull-up or not). */
static inline void stm32l4_gpiob_af(uint32_t pin, uint32_t af, int open_drain, int pull_up)
{
    const uint32_t two = 2u * pin;
    GPIOB_MODER = (GPIOB_MODER & ~(3u << two)) | (GPIO_MODE_AF << two);
    GPIOB_OSPEEDR = (GPIOB_OSPEEDR & ~(3u << two)) | (GPIO_SPEED_HIGH << two);
    GPIOB_OTYPER = open_drain ? (GPIOB_OTYPER | (1u << pin)) : (GPIOB_OTYPER & ~(1u << pin));
    GPIOB_PUPDR = (GPIOB_PUPDR & ~(3u << two)) | ((pull_up ? GPIO_PULL_UP : 0u) << two);
    if (pin < 8u) {
        GPIOB_AFRL = (GPIOB_AFRL & ~(0xFu << (4u * pin))) | (af << (4u * pin));
    } else {
        GPIOB_AFRH = (GPIOB_AFRH & ~(0xFu << (4u * (pin - 8u)))) | (af << (4u * (pin - 8u)));
    }
}

/* Bring SYSCLK, HCLK, PCLK1 and PCLK2 to TINYFW_CPU_CLOCK_HZ (80 MHz) from MSI through the
 * PLL. Idempotent: does nothing when the PLL already drives SYSCLK (clock_stm32l4.c). */
void stm32l4_clock_init(void);

#endif /* TINYFW_STM32L4_H */
