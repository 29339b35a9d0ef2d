/*
 * uart_pl011.c - Arm PL011 UART0 of the TI Stellaris LM3S6965 (lm3s6965evb).
 * Base address, UART clock and baud rate come from the board manifest. On the real chip UART0
 * needs its clock gate (RCGC1) and pins PA0/PA1 switched to the UART (GPIOA AFSEL/DEN); QEMU
 * accepts the same writes.
 */
#include <stdint.h>

#include "../common/board_internal.h"

#define UART_DR BOARD_REG32(TINYFW_UART_BASE + 0x000u)
#define UART_FR BOARD_REG32(TINYFW_UART_BASE + 0x018u)
#define UART_IBRD BOARD_REG32(TINYFW_UART_BASE + 0x024u)
#define UART_FBRD BOARD_REG32(TINYFW_UART_BASE + 0x028u)
#define UART_LCRH BOARD_REG32(TINYFW_UART_BASE + 0x02Cu)
#define UART_CR BOARD_REG32(TINYFW_UART_BASE + 0x030u)

#define UART_FR_TXFF (1u << 5)
#define UART_LCRH_FEN (1u << 4)
#define UART_LCRH_WLEN_8 (3u << 5)
#define UART_CR_UARTEN (1u << 0)
#define UART_CR_TXE (1u << 8)
#define UART_CR_RXE (1u << 9)

/* LM3S6965 system control and GPIO port A (chip constants, not board constants). */
#define SYSCTL_RCGC1 BOARD_REG32(0x400FE104u)
#define SYSCTL_RCGC2 BOARD_REG32(0x400FE108u)
#define GPIOA_AFSEL BOARD_REG32(0x40004420u)
#define GPIOA_DEN BOARD_REG32(0x4000451Cu)
#define SYSCTL_RCGC1_UART0 (1u << 0)
#define SYSCTL_RCGC2_GPIOA (1u << 0)
#define GPIOA_PINS_UART0 0x3u

/* Baud divisor in 1/64ths, rounded: UARTCLK / (16 * baud) = IBRD + FBRD / 64. */
#define UART_DIVISOR_64                                                                         \
    (((uint32_t)(TINYFW_UART_CLOCK_HZ) * 4u + (uint32_t)(TINYFW_UART_BAUD) / 2u) /              \
     (uint32_t)(TINYFW_UART_BAUD))
_Static_assert((UART_DIVISOR_64 >> 6) >= 1u && (UART_DIVISOR_64 >> 6) <= 0xFFFFu,
               "PL011: clock_hz / (16 * baud) must be in 1..65535");

void board_uart_init(void)
{
    SYSCTL_RCGC1 |= SYSCTL_RCGC1_UART0;
    SYSCTL_RCGC2 |= SYSCTL_RCGC2_GPIOA;
    GPIOA_AFSEL |= GPIOA_PINS_UART0;
    GPIOA_DEN |= GPIOA_PINS_UART0;

    UART_CR = 0u;
    UART_IBRD = UART_DIVISOR_64 >> 6;
    UART_FBRD = UART_DIVISOR_64 & 0x3Fu;
    UART_LCRH = UART_LCRH_WLEN_8 | UART_LCRH_FEN; /* 8N1, FIFOs on; also latches IBRD/FBRD */
    UART_CR = UART_CR_UARTEN | UART_CR_TXE | UART_CR_RXE;
}

void board_uart_putc(char c)
{
    while ((UART_FR & UART_FR_TXFF) != 0u) {
    }
    UART_DR = (uint32_t)(uint8_t)c;
}
