/*
 * uarte_nrf52.c - UARTE0 of the nRF52840 (Product Specification v1.7, section 6.34: UART with
 * EasyDMA), 8N1 at 115200, TX polled: the byte goes out of a one-byte RAM buffer (EasyDMA
 * reads RAM only), TASKS_STARTTX, wait for EVENTS_ENDTX. Arduino Nano 33 BLE: TX on P1.03
 * (pin D1), RX on P1.10 (pin D0) - a 3.3 V serial adapter on the header pins is needed: the
 * board's USB port is the nRF52840's own USB device, and a USB-CDC stack is not part of tinyfw.
 * Compiled for boards whose manifest says tinyfw.uart.kind "nrf52_uarte".
 */
#include <stdint.h>

#include "nrf.h"

#if defined(TINYFW_UART_KIND_NRF52_UARTE)

#define UARTE_TASKS_STARTTX BOARD_REG32(TINYFW_UART_BASE + 0x008u)
#define UARTE_TASKS_STOPTX BOARD_REG32(TINYFW_UART_BASE + 0x00Cu)
#define UARTE_EVENTS_ENDTX BOARD_REG32(TINYFW_UART_BASE + 0x120u)
#define UARTE_ENABLE BOARD_REG32(TINYFW_UART_BASE + 0x500u)
#define UARTE_PSEL_TXD BOARD_REG32(TINYFW_UART_BASE + 0x50Cu)
#define UARTE_PSEL_RXD BOARD_REG32(TINYFW_UART_BASE + 0x514u)
#define UARTE_BAUDRATE BOARD_REG32(TINYFW_UART_BASE + 0x524u)
#define UARTE_TXD_PTR BOARD_REG32(TINYFW_UART_BASE + 0x544u)
#define UARTE_TXD_MAXCNT BOARD_REG32(TINYFW_UART_BASE + 0x548u)
#define UARTE_CONFIG BOARD_REG32(TINYFW_UART_BASE + 0x56Cu)

#define UARTE_ENABLE_ENABLED 8u
#define UARTE_BAUDRATE_115200 0x01D60000u /* the specification's value (115108 baud actual) */
#define UART_TX_PORT 1u
#define UART_TX_PIN 3u
#define UART_RX_PORT 1u
#define UART_RX_PIN 10u

_Static_assert(TINYFW_UART_BAUD == 115200u, "nrf52_uarte: only 115200 baud is set up");

static volatile uint8_t s_tx_byte; /* in RAM: EasyDMA cannot read flash */

void board_uart_init(void)
{
    nrf_hfclk_start();
    UARTE_ENABLE = 0u;
    NRF_GPIO_OUTSET(UART_TX_PORT) = 1u << UART_TX_PIN; /* idle high */
    NRF_GPIO_PIN_CNF(UART_TX_PORT, UART_TX_PIN) = NRF_GPIO_PIN_CNF_OUTPUT;
    NRF_GPIO_PIN_CNF(UART_RX_PORT, UART_RX_PIN) = 0u; /* input, connected */
    UARTE_PSEL_TXD = NRF_PSEL(UART_TX_PORT, UART_TX_PIN);
    UARTE_PSEL_RXD = NRF_PSEL(UART_RX_PORT, UART_RX_PIN);
    UARTE_BAUDRATE = UARTE_BAUDRATE_115200;
    UARTE_CONFIG = 0u; /* no flow control, no parity, one stop bit */
    UARTE_ENABLE = UARTE_ENABLE_ENABLED;
}

void board_uart_putc(char c)
{
    s_tx_byte = (uint8_t)c;
    UARTE_TXD_PTR = (uint32_t)(uintptr_t)&s_tx_byte;
    UARTE_TXD_MAXCNT = 1u;
    UARTE_EVENTS_ENDTX = 0u;
    UARTE_TASKS_STARTTX = 1u;
    /* 87 us per byte; bounded so that a stopped UARTE cannot hang a fault report */
    for (uint32_t spin = 0u; spin < 1000000u && UARTE_EVENTS_ENDTX == 0u; ++spin) {
    }
    UARTE_TASKS_STOPTX = 1u;
}

#endif /* TINYFW_UART_KIND_NRF52_UARTE */
