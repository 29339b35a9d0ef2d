/*
 * uart_usart.c - USART1 of the STM32L475 on PB6 (TX) / PB7 (RX), alternate function 7: the
 * ST-LINK V2-1 virtual COM port of the B-L475E-IOT01A. 8N1 at TINYFW_UART_BAUD, oversampling
 * by 16, TX polled. board_uart_init first brings the core to 80 MHz (stm32l4_clock_init):
 * board_init calls it before anything else, and so does the fault handler.
 */
#include <stdint.h>

#include "stm32l4.h"

#define USART_CR1 BOARD_REG32(TINYFW_UART_BASE + 0x00u)
#define USART_CR2 BOARD_REG32(TINYFW_UART_BASE + 0x04u)
#define USART_CR3 BOARD_REG32(TINYFW_UART_BASE + 0x08u)
#define USART_BRR BOARD_REG32(TINYFW_UART_BASE + 0x0Cu)
#define USART_ISR BOARD_REG32(TINYFW_UART_BASE + 0x1Cu)
#define USART_TDR BOARD_REG32(TINYFW_UART_BASE + 0x28u)

#define USART_CR1_UE (1u << 0)
#define USART_CR1_RE (1u << 2)
#define USART_CR1_TE (1u << 3)
#define USART_ISR_TXE (1u << 7)

#define UART_TX_PIN 6u
#define UART_RX_PIN 7u
#define UART_AF 7u

/* Oversampling by 16: BRR = USARTDIV = clock / baud, rounded (80 MHz / 115200 = 694, 0.06 %). */
#define USART_BRR_VALUE                                                                        \
    (((uint32_t)(TINYFW_UART_CLOCK_HZ) + (uint32_t)(TINYFW_UART_BAUD) / 2u) /                   \
     (uint32_t)(TINYFW_UART_BAUD))
_Static_assert(USART_BRR_VALUE >= 16u && USART_BRR_VALUE <= 0xFFFFu,
               "USART: clock_hz / baud must be in 16..65535");

void board_uart_init(void)
{
    stm32l4_clock_init();
    RCC_AHB2ENR |= RCC_AHB2ENR_GPIOBEN;
    RCC_APB2ENR |= RCC_APB2ENR_USART1EN;
    RCC_CCIPR &= ~RCC_CCIPR_USART1SEL_MASK; /* kernel clock = PCLK2 */
    (void)RCC_APB2ENR;                      /* read back before touching the peripheral */
    stm32l4_gpiob_af(UART_TX_PIN, UART_AF, 0, 0);
    stm32l4_gpiob_af(UART_RX_PIN, UART_AF, 0, 1);

    USART_CR1 = 0u; /* disabled, 8 data bits, no parity, oversampling by 16 */
    USART_CR2 = 0u; /* 1 stop bit */
    USART_CR3 = 0u;
    USART_BRR = USART_BRR_VALUE;
    USART_CR1 = USART_CR1_TE | USART_CR1_RE | USART_CR1_UE;
}

void board_uart_putc(char c)
{
    while ((USART_ISR & USART_ISR_TXE) == 0u) {
    }
    USART_TDR = (uint32_t)(uint8_t)c;
}
