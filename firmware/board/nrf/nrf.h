/*
 * nrf.h - the Nordic nRF51/nRF52 register conventions the tinyfw board layer uses, from the
 * nRF51 Series Reference Manual v3.0 and the nRF52840 Product Specification v1.7: a peripheral
 * is a block of TASKS_* (write 1 to start), EVENTS_* (set by hardware, cleared by writing 0)
 * and configuration registers. Base addresses come from the board manifest
 * (TINYFW_UART_BASE, TINYFW_TIMER_BASE, TINYFW_SENSOR_I2C_BASE); GPIO and CLOCK are chip
 * constants here. Used by microbit (nRF51822, QEMU) and nano33ble (nRF52840, real).
 */
#ifndef TINYFW_NRF_H
#define TINYFW_NRF_H

#include <stdint.h>

#include "../common/board_internal.h"

/* CLOCK: the 16 MHz high-frequency clock the TIMER, UART and TWIM run from. */
#define NRF_CLOCK_BASE 0x40000000u
#define NRF_CLOCK_TASKS_HFCLKSTART BOARD_REG32(NRF_CLOCK_BASE + 0x000u)
#define NRF_CLOCK_EVENTS_HFCLKSTARTED BOARD_REG32(NRF_CLOCK_BASE + 0x100u)

/* GPIO: P0 (nRF51: the only port at 0x50000000), P1 (nRF52840) at 0x50000300. */
#define NRF_GPIO_PORT_BASE(port) (0x50000000u + 0x300u * (uint32_t)(port))
#define NRF_GPIO_OUTSET(port) BOARD_REG32(NRF_GPIO_PORT_BASE(port) + 0x508u)
#define NRF_GPIO_OUTCLR(port) BOARD_REG32(NRF_GPIO_PORT_BASE(port) + 0x50Cu)
#define NRF_GPIO_DIRSET(port) BOARD_REG32(NRF_GPIO_PORT_BASE(port) + 0x518u)
#define NRF_GPIO_PIN_CNF(port, pin) BOARD_REG32(NRF_GPIO_PORT_BASE(port) + 0x700u + 4u * (pin))
#define NRF_GPIO_PIN_CNF_OUTPUT 1u                       /* DIR = output, INPUT connected */
#define NRF_GPIO_PIN_CNF_INPUT_PULLUP (3u << 2)          /* DIR = input, PULL = up */
#define NRF_GPIO_PIN_CNF_S0D1 (6u << 8)                  /* standard 0, disconnect 1 (I2C) */

/* A pin number as PSEL registers take it: bits 4..0 pin, bit 5 port (nRF52840). */
#define NRF_PSEL(port, pin) (((uint32_t)(port) << 5) | (uint32_t)(pin))

/* Start the crystal oscillator (nRF52: the TIMER then counts 16 MHz +-40 ppm instead of the
 * +-1.5 % RC oscillator). Bounded; does nothing if it is already running. */
void nrf_hfclk_start(void);

#endif /* TINYFW_NRF_H */
