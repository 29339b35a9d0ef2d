/*
 * twim_nrf52.c - the nRF52840 TWIM (Product Specification v1.7, section 6.31) on the internal
 * sensor bus of the Arduino Nano 33 BLE: SDA P0.14, SCL P0.15, 400 kHz. Before the bus
 * works, the board's sensor supply (VDD_ENV, enabled by P0.22) and the I2C pull-ups (R_PULLUP,
 * P1.00) are switched on. Transfers use EasyDMA from RAM buffers, with shortcuts:
 *   write: TX [reg, value], LASTTX -> STOP;
 *   read:  TX [reg], LASTTX -> STARTRX, RX n bytes, LASTRX -> STOP.
 * Compiled for boards with a sensor on a TWIM (TINYFW_SENSOR_I2C_BASE, nrf family).
 */
#include <stdint.h>

#include "nrf.h"
#include "nrf52_twim.h"

#if defined(TINYFW_SENSOR_I2C_BASE)

#define TWIM_TASKS_STARTRX BOARD_REG32(TINYFW_SENSOR_I2C_BASE + 0x000u)
#define TWIM_TASKS_STARTTX BOARD_REG32(TINYFW_SENSOR_I2C_BASE + 0x008u)
#define TWIM_TASKS_STOP BOARD_REG32(TINYFW_SENSOR_I2C_BASE + 0x014u)
#define TWIM_EVENTS_STOPPED BOARD_REG32(TINYFW_SENSOR_I2C_BASE + 0x104u)
#define TWIM_EVENTS_ERROR BOARD_REG32(TINYFW_SENSOR_I2C_BASE + 0x124u)
#define TWIM_SHORTS BOARD_REG32(TINYFW_SENSOR_I2C_BASE + 0x200u)
#define TWIM_ERRORSRC BOARD_REG32(TINYFW_SENSOR_I2C_BASE + 0x4C4u)
#define TWIM_ENABLE BOARD_REG32(TINYFW_SENSOR_I2C_BASE + 0x500u)
#define TWIM_PSEL_SCL BOARD_REG32(TINYFW_SENSOR_I2C_BASE + 0x508u)
#define TWIM_PSEL_SDA BOARD_REG32(TINYFW_SENSOR_I2C_BASE + 0x50Cu)
#define TWIM_FREQUENCY BOARD_REG32(TINYFW_SENSOR_I2C_BASE + 0x524u)
#define TWIM_RXD_PTR BOARD_REG32(TINYFW_SENSOR_I2C_BASE + 0x534u)
#define TWIM_RXD_MAXCNT BOARD_REG32(TINYFW_SENSOR_I2C_BASE + 0x538u)
#define TWIM_TXD_PTR BOARD_REG32(TINYFW_SENSOR_I2C_BASE + 0x544u)
#define TWIM_TXD_MAXCNT BOARD_REG32(TINYFW_SENSOR_I2C_BASE + 0x548u)
#define TWIM_ADDRESS BOARD_REG32(TINYFW_SENSOR_I2C_BASE + 0x588u)

#define TWIM_ENABLE_ENABLED 6u
#define TWIM_FREQUENCY_K400 0x06400000u
#define TWIM_SHORTS_LASTTX_STARTRX (1u << 7)
#define TWIM_SHORTS_LASTTX_STOP (1u << 9)
#define TWIM_SHORTS_LASTRX_STOP (1u << 12)
#define TWIM_ERRORSRC_ANACK (1u << 1)
#define TWIM_ERRORSRC_DNACK (1u << 2)

#define SDA_PORT 0u
#define SDA_PIN 14u
#define SCL_PORT 0u
#define SCL_PIN 15u
#define VDD_ENV_PORT 0u /* sensor supply enable */
#define VDD_ENV_PIN 22u
#define PULLUP_PORT 1u /* I2C pull-up enable */
#define PULLUP_PIN 0u

#define TRANSFER_SPINS 200000u /* well above a 7-byte transfer at 400 kHz (~200 us) */

static uint8_t s_tx[2];

int32_t nrf52_twim_init(void)
{
    NRF_GPIO_PIN_CNF(VDD_ENV_PORT, VDD_ENV_PIN) = NRF_GPIO_PIN_CNF_OUTPUT;
    NRF_GPIO_OUTSET(VDD_ENV_PORT) = 1u << VDD_ENV_PIN;
    NRF_GPIO_PIN_CNF(PULLUP_PORT, PULLUP_PIN) = NRF_GPIO_PIN_CNF_OUTPUT;
    NRF_GPIO_OUTSET(PULLUP_PORT) = 1u << PULLUP_PIN;
    /* the LSM9DS1 boots within 10 ms of power-up; wait about that long at 64 MHz */
    for (volatile uint32_t spin = 0u; spin < 200000u; ++spin) {
    }
    TWIM_ENABLE = 0u;
    NRF_GPIO_PIN_CNF(SDA_PORT, SDA_PIN) = NRF_GPIO_PIN_CNF_S0D1;
    NRF_GPIO_PIN_CNF(SCL_PORT, SCL_PIN) = NRF_GPIO_PIN_CNF_S0D1;
    TWIM_PSEL_SCL = NRF_PSEL(SCL_PORT, SCL_PIN);
    TWIM_PSEL_SDA = NRF_PSEL(SDA_PORT, SDA_PIN);
    TWIM_FREQUENCY = TWIM_FREQUENCY_K400;
    TWIM_ENABLE = TWIM_ENABLE_ENABLED;
    return 0;
}

/* Run the transfer set up by the caller until STOPPED; errors (NACK) stop it too. */
static int32_t twim_run(uint32_t shorts)
{
    TWIM_SHORTS = shorts;
    TWIM_EVENTS_STOPPED = 0u;
    TWIM_EVENTS_ERROR = 0u;
    TWIM_ERRORSRC = TWIM_ERRORSRC_ANACK | TWIM_ERRORSRC_DNACK; /* write 1 to clear */
    TWIM_TASKS_STARTTX = 1u;
    for (uint32_t spin = 0u; spin < TRANSFER_SPINS; ++spin) {
        if (TWIM_EVENTS_ERROR != 0u) {
            TWIM_TASKS_STOP = 1u;
            for (uint32_t s = 0u; s < TRANSFER_SPINS && TWIM_EVENTS_STOPPED == 0u; ++s) {
            }
            return NRF52_TWIM_NACK;
        }
        if (TWIM_EVENTS_STOPPED != 0u) {
            return 0;
        }
    }
    TWIM_TASKS_STOP = 1u;
    return NRF52_TWIM_TIMEOUT;
}

int32_t nrf52_twim_write(uint8_t addr, uint8_t reg, uint8_t value)
{
    s_tx[0] = reg;
    s_tx[1] = value;
    TWIM_ADDRESS = addr;
    TWIM_TXD_PTR = (uint32_t)(uintptr_t)s_tx;
    TWIM_TXD_MAXCNT = 2u;
    return twim_run(TWIM_SHORTS_LASTTX_STOP);
}

int32_t nrf52_twim_read(uint8_t addr, uint8_t reg, uint8_t *buf, uint32_t n)
{
    if (n == 0u || n > 255u) {
        return NRF52_TWIM_NACK;
    }
    s_tx[0] = reg;
    TWIM_ADDRESS = addr;
    TWIM_TXD_PTR = (uint32_t)(uintptr_t)s_tx;
    TWIM_TXD_MAXCNT = 1u;
    TWIM_RXD_PTR = (uint32_t)(uintptr_t)buf; /* the caller's buffer: RAM (EasyDMA) */
    TWIM_RXD_MAXCNT = n;
    return twim_run(TWIM_SHORTS_LASTTX_STARTRX | TWIM_SHORTS_LASTRX_STOP);
}

#endif /* TINYFW_SENSOR_I2C_BASE */
