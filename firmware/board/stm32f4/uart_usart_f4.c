/*
 * uart_usart_f4.c - an STM32F4 USART (the F4 register layout: SR/DR/BRR/CR1, RM0383 section
 * 19 / RM0090 section 30), 8N1 at TINYFW_UART_BAUD, oversampling by 16, TX polled.
 * Which USART is the manifest's tinyfw.uart.base:
 *   0x40011000 USART1 (APB2) on PA9 (TX) / PA10 (RX), AF7: QEMU's netduinoplus2 serial 0;
 *   0x40004400 USART2 (APB1) on PA2 (TX) / PA3 (RX), AF7: the ST-LINK virtual COM port of
 *              the Nucleo-64 boards (nucleo_f411re).
 * board_uart_init first sets the core clock (stm32f4_clock_init): board_init calls it before
 * anything else, and so does the fault handler.
 */
#include <stdint.h>

#include "stm32f4.h"

#define USART_SR BOARD_REG32(TINYFW_UART_BASE + 0x00u)
#define USART_DR BOARD_REG32(TINYFW_UART_BASE + 0x04u)
#define USART_BRR BOARD_REG32(TINYFW_UART_BASE + 0x08u)
#define USART_CR1 BOARD_REG32(TINYFW_UART_BASE + 0x0Cu)
#define USART_CR2 BOARD_REG32(TINYFW_UART_BASE + 0x10u)
#define USART_CR3 BOARD_REG32(TINYFW_UART_BASE + 0x14u)

#define USART_SR_TXE (1u << 7)
#define USART_CR1_RE (1u << 2)
#define USART_CR1_TE (1u << 3)
#define USART_CR1_UE (1u << 13)

#if TINYFW_UART_BASE == 0x40011000u
#define UART_TX_PIN 9u
#define UART_RX_PIN 10u
#elif TINYFW_UART_BASE == 0x40004400u
#define UART_TX_PIN 2u
#define UART_RX_PIN 3u
#else
#error "stm32f4: tinyfw.uart.base must be USART1 (0x40011000) or USART2 (0x40004400)"
#endif
#define UART_AF 7u

/* Oversampling by 16: BRR = USARTDIV * 16 = clock / baud, rounded
 * (50 MHz / 115200 = 434, 0.01 %; 16 MHz / 115200 = 139, 0.08 %). */
#define USART_BRR_VALUE                                                                        \
    (((uint32_t)(TINYFW_UART_CLOCK_HZ) + (uint32_t)(TINYFW_UART_BAUD) / 2u) /                   \
     (uint32_t)(TINYFW_UART_BAUD))
_Static_assert(USART_BRR_VALUE >= 16u && USART_BRR_VALUE <= 0xFFFFu,
               "USART: clock_hz / baud must be in 16..65535");

void board_uart_init(void)
{
    stm32f4_clock_init();
    RCC_AHB1ENR |= RCC_AHB1ENR_GPIOAEN;
#if TINYFW_UART_BASE == 0x40011000u
    RCC_APB2ENR |= RCC_APB2ENR_USART1EN;
    (void)RCC_APB2ENR; /* read back before touching the peripheral */
#else
    RCC_APB1ENR |= RCC_APB1ENR_USART2EN;
    (void)RCC_APB1ENR;
#endif
    stm32f4_gpioa_af(UART_TX_PIN, UART_AF, 0);
    stm32f4_gpioa_af(UART_RX_PIN, UART_AF, 1);

    USART_CR1 = 0u; /* disabled, 8 data bits, no parity, oversampling by 16 */
    USART_CR2 = 0u; /* 1 stop bit */
    USART_CR3 = 0u;
    USART_BRR = USART_BRR_VALUE;
    USART_CR1 = USART_CR1_UE | USART_CR1_TE | USART_CR1_RE;
}

void board_uart_putc(char c)
{
    while ((USART_SR & USART_SR_TXE) == 0u) {
    }
    USART_DR = (uint32_t)(uint8_t)c;
}
