/*
 * uart_cmsdk.c - Arm CMSDK APB UART (MPS2 FPGA images AN386/AN500/AN505: UART0).
 * Base address and clock come from the board manifest (TINYFW_UART_BASE, TINYFW_UART_CLOCK_HZ).
 * TX is polled; nothing here uses interrupts.
 */
#include <stdint.h>

#include "../common/board_internal.h"

#define UART_DATA BOARD_REG32(TINYFW_UART_BASE + 0x00u)
#define UART_STATE BOARD_REG32(TINYFW_UART_BASE + 0x04u)
#define UART_CTRL BOARD_REG32(TINYFW_UART_BASE + 0x08u)
#define UART_BAUDDIV BOARD_REG32(TINYFW_UART_BASE + 0x10u)

#define UART_STATE_TX_FULL (1u << 0)
#define UART_CTRL_TX_EN (1u << 0)
#define UART_CTRL_RX_EN (1u << 1)

/* The CMSDK UART needs BAUDDIV >= 16 (QEMU drops characters otherwise). */
#define UART_BAUDDIV_VALUE ((uint32_t)(TINYFW_UART_CLOCK_HZ) / (uint32_t)(TINYFW_UART_BAUD))
_Static_assert(UART_BAUDDIV_VALUE >= 16u, "CMSDK UART: clock_hz / baud must be >= 16");

void board_uart_init(void)
{
    UART_CTRL = 0u;
    UART_BAUDDIV = UART_BAUDDIV_VALUE;
    UART_CTRL = UART_CTRL_TX_EN | UART_CTRL_RX_EN;
}

void board_uart_putc(char c)
{
    while ((UART_STATE & UART_STATE_TX_FULL) != 0u) {
    }
    UART_DATA = (uint32_t)(uint8_t)c;
}
