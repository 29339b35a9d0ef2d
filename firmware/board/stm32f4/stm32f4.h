/*
 * stm32f4.h - the few STM32F4 registers the tinyfw board layer uses (RCC, FLASH, PWR, GPIO
 * port A), written from the reference manuals RM0383 (STM32F411) and RM0090 (STM32F405):
 * these registers sit at the same addresses with the same bits on both. The UART and timer
 * base addresses come from the board manifest (TINYFW_UART_BASE, TINYFW_TIMER_BASE); these
 * are chip constants. Used by nucleo_f411re (real) and netduinoplus2 (QEMU's STM32F405).
 */
#ifndef TINYFW_STM32F4_H
#define TINYFW_STM32F4_H

#include <stdint.h>

#include "../common/board_internal.h"

/* Reset and clock control (RCC), 0x4002 3800. */
#define RCC_BASE 0x40023800u
#define RCC_CR BOARD_REG32(RCC_BASE + 0x00u)
#define RCC_PLLCFGR BOARD_REG32(RCC_BASE + 0x04u)
#define RCC_CFGR BOARD_REG32(RCC_BASE + 0x08u)
#define RCC_AHB1ENR BOARD_REG32(RCC_BASE + 0x30u)
#define RCC_APB1ENR BOARD_REG32(RCC_BASE + 0x40u)
#define RCC_APB2ENR BOARD_REG32(RCC_BASE + 0x44u)

#define RCC_CR_HSIRDY (1u << 1)
#define RCC_CR_PLLON (1u << 24)
#define RCC_CR_PLLRDY (1u << 25)
#define RCC_PLLCFGR_PLLM_SHIFT 0u  /* PLLM[5:0]: VCO input = source / M, 1..2 MHz */
#define RCC_PLLCFGR_PLLN_SHIFT 6u  /* PLLN[8:0]: VCO = input * N, 100..432 MHz */
#define RCC_PLLCFGR_PLLP_SHIFT 16u /* PLLP[1:0]: 00 = /2, 01 = /4, 10 = /6, 11 = /8 */
#define RCC_PLLCFGR_PLLSRC_HSE (1u << 22) /* 0: HSI */
#define RCC_PLLCFGR_PLLQ_SHIFT 24u        /* PLLQ[3:0]: 2..15 (USB/SDIO clock) */
#define RCC_CFGR_SW_MASK (3u << 0)
#define RCC_CFGR_SW_PLL (2u << 0)
#define RCC_CFGR_SWS_MASK (3u << 2)
#define RCC_CFGR_SWS_PLL (2u << 2)
#define RCC_CFGR_HPRE_MASK (0xFu << 4)  /* AHB prescaler: 0 = /1 */
#define RCC_CFGR_PPRE1_MASK (7u << 10)  /* APB1 prescaler: 0 = /1, 4 = /2 */
#define RCC_CFGR_PPRE1_DIV2 (4u << 10)
#define RCC_CFGR_PPRE2_MASK (7u << 13)  /* APB2 prescaler: 0 = /1 */
#define RCC_AHB1ENR_GPIOAEN (1u << 0)
#define RCC_APB1ENR_TIM2EN (1u << 0)
#define RCC_APB1ENR_USART2EN (1u << 17)
#define RCC_APB1ENR_PWREN (1u << 28)
#define RCC_APB2ENR_USART1EN (1u << 4)

/* Flash interface: wait states (LATENCY) before the clock goes up. */
#define FLASH_ACR BOARD_REG32(0x40023C00u)
#define FLASH_ACR_LATENCY_MASK 0xFu
#define FLASH_ACR_PRFTEN (1u << 8)
#define FLASH_ACR_ICEN (1u << 9)
#define FLASH_ACR_DCEN (1u << 10)

/* Power control: regulator voltage scale (VOS) for the target clock. */
#define PWR_CR BOARD_REG32(0x40007000u)
#define PWR_CR_VOS_MASK (3u << 14)
#define PWR_CR_VOS_SCALE1 (3u << 14) /* STM32F411: scale 1, up to 100 MHz */

/* GPIO port A, 0x4002 0000. */
#define GPIOA_BASE 0x40020000u
#define GPIOA_MODER BOARD_REG32(GPIOA_BASE + 0x00u)
#define GPIOA_OTYPER BOARD_REG32(GPIOA_BASE + 0x04u)
#define GPIOA_OSPEEDR BOARD_REG32(GPIOA_BASE + 0x08u)
#define GPIOA_PUPDR BOARD_REG32(GPIOA_BASE + 0x0Cu)
#define GPIOA_AFRL BOARD_REG32(GPIOA_BASE + 0x20u)
#define GPIOA_AFRH BOARD_REG32(GPIOA_BASE + 0x24u)
#define GPIO_MODE_AF 2u
#define GPIO_SPEED_HIGH 2u
#define GPIO_PULL_UP 1u

/* Pin `pin` of port A to alternate function `af`, push-pull, pull-up or not. */
static inline void stm32f4_gpioa_af(uint32_t pin, uint32_t af, int pull_up)
{
    const uint32_t two = 2u * pin;
    GPIOA_MODER = (GPIOA_MODER & ~(3u << two)) | (GPIO_MODE_AF << two);
    GPIOA_OSPEEDR = (GPIOA_OSPEEDR & ~(3u << two)) | (GPIO_SPEED_HIGH << two);
    GPIOA_OTYPER &= ~(1u << pin);
    GPIOA_PUPDR = (GPIOA_PUPDR & ~(3u << two)) | ((pull_up ? GPIO_PULL_UP : 0u) << two);
    if (pin < 8u) {
        GPIOA_AFRL = (GPIOA_AFRL & ~(0xFu << (4u * pin))) | (af << (4u * pin));
    } else {
        GPIOA_AFRH = (GPIOA_AFRH & ~(0xFu << (4u * (pin - 8u)))) | (af << (4u * (pin - 8u)));
    }
}

/* HSI: the 16 MHz internal oscillator every STM32F4 runs from after reset. */
#define STM32F4_HSI_HZ 16000000u

/* Bring SYSCLK to TINYFW_CPU_CLOCK_HZ (clock_stm32f4.c). A board whose build.f_cpu is the
 * reset clock (16 MHz HSI) keeps it and touches no clock register. */
void stm32f4_clock_init(void);

#endif /* TINYFW_STM32F4_H */
