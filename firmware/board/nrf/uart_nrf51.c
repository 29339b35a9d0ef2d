/*
 * uart_nrf51.c - the UART of the nRF51 (nRF51 Series Reference Manual v3.0, section 29), 8N1
 * at 115200, TX polled: write TXD, wait for EVENTS_TXDRDY. micro:bit: TX on P0.24, RX on P0.25,
 * the interface chip's USB serial port (and QEMU's first serial port). Compiled for boards
 * whose manifest says tinyfw.uart.kind "nrf51_uart".
 */
#include <stdint.h>

#include "nrf.h"

#if defined(TINYFW_UART_KIND_NRF51_UART)

#define UART_TASKS_STARTTX BOARD_REG32(TINYFW_UART_BASE + 0x008u)
#define UART_EVENTS_TXDRDY BOARD_REG32(TINYFW_UART_BASE + 0x11Cu)
#define UART_ENABLE BOARD_REG32(TINYFW_UART_BASE + 0x500u)
#define UART_PSELTXD BOARD_REG32(TINYFW_UART_BASE + 0x50Cu)
#define UART_PSELRXD BOARD_REG32(TINYFW_UART_BASE + 0x514u)
#define UART_TXD BOARD_REG32(TINYFW_UART_BASE + 0x51Cu)
#define UART_BAUDRATE BOARD_REG32(TINYFW_UART_BASE + 0x524u)
#define UART_CONFIG BOARD_REG32(TINYFW_UART_BASE + 0x56Cu)

#define UART_ENABLE_ENABLED 4u
#define UART_BAUDRATE_115200 0x01D7E000u /* the manual's value for 115200 baud */
#define UART_TX_PIN 24u
#define UART_RX_PIN 25u

_Static_assert(TINYFW_UART_BAUD == 115200u, "nrf51_uart: only 115200 baud is set up");

void board_uart_init(void)
{
    nrf_hfclk_start();
    UART_ENABLE = 0u;
    NRF_GPIO_OUTSET(0) = 1u << UART_TX_PIN; /* idle high before the UART takes the pin */
    NRF_GPIO_PIN_CNF(0, UART_TX_PIN) = NRF_GPIO_PIN_CNF_OUTPUT;
    NRF_GPIO_PIN_CNF(0, UART_RX_PIN) = 0u; /* input, connected */
    UART_PSELTXD = UART_TX_PIN;
    UART_PSELRXD = UART_RX_PIN;
    UART_BAUDRATE = UART_BAUDRATE_115200;
    UART_CONFIG = 0u; /* no flow control, no parity */
    UART_ENABLE = UART_ENABLE_ENABLED;
    UART_TASKS_STARTTX = 1u;
}

void board_uart_putc(char c)
{
    UART_EVENTS_TXDRDY = 0u;
    UART_TXD = (uint32_t)(uint8_t)c;
    /* 87 us per byte at 115200; bounded so that a stopped UART cannot hang a fault report */
    for (uint32_t spin = 0u; spin < 100000u && UART_EVENTS_TXDRDY == 0u; ++spin) {
    }
}

#endif /* TINYFW_UART_KIND_NRF51_UART */
