/*
 * nrf52_twim.h - polled register access over an nRF52840 TWIM (I2C controller with EasyDMA;
 * the sensor bus of the board manifest, TINYFW_SENSOR_I2C_BASE). Every call is bounded in
 * time. Returns 0, NRF52_TWIM_TIMEOUT or NRF52_TWIM_NACK.
 */
#ifndef TINYFW_NRF52_TWIM_H
#define TINYFW_NRF52_TWIM_H

#include <stdint.h>

#define NRF52_TWIM_TIMEOUT (-1)
#define NRF52_TWIM_NACK (-2)

/* Power the sensors, pins and 400 kHz. */
int32_t nrf52_twim_init(void);
/* Write one register of the 7-bit address `addr`. */
int32_t nrf52_twim_write(uint8_t addr, uint8_t reg, uint8_t value);
/* Read n (1..255) consecutive registers from `reg` (the device auto-increments). */
int32_t nrf52_twim_read(uint8_t addr, uint8_t reg, uint8_t *buf, uint32_t n);

#endif /* TINYFW_NRF52_TWIM_H */
