/*
 * stm32l4_i2c.h - polled register access over an STM32L4 I2C controller (the sensor bus of the
 * board manifest, TINYFW_SENSOR_I2C_BASE; I2C2 on PB10/PB11 on the B-L475E-IOT01A).
 * Every call is bounded in time. Returns 0, STM32L4_I2C_TIMEOUT or STM32L4_I2C_NACK.
 */
#ifndef TINYFW_STM32L4_I2C_H
#define TINYFW_STM32L4_I2C_H

#include <stdint.h>

#define STM32L4_I2C_TIMEOUT (-1)
#define STM32L4_I2C_NACK (-2)

/* Clock, pins and timing (standard mode, about 95 kHz from an 80 MHz PCLK1). */
int32_t stm32l4_i2c_init(void);
/* Write one register of the 7-bit address `addr`. */
int32_t stm32l4_i2c_write(uint8_t addr, uint8_t reg, uint8_t value);
/* Read n (1..255) consecutive registers from `reg` (the device auto-increments). */
int32_t stm32l4_i2c_read(uint8_t addr, uint8_t reg, uint8_t *buf, uint32_t n);

#endif /* TINYFW_STM32L4_I2C_H */
