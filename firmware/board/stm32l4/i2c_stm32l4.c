/*
 * i2c_stm32l4.c - the sensor bus: STM32L4 I2C controller (RM0351 "I2C" v2 registers) in
 * master mode, polled, 7-bit addresses. B-L475E-IOT01A: I2C2, SCL on PB10 and SDA on PB11
 * (alternate function 4, open drain, pull-ups), kernel clock PCLK1 = 80 MHz.
 *
 * Timing (TIMINGR) for standard mode from 80 MHz: PRESC = 15 (t = 16 / 80 MHz = 200 ns),
 * SCLL = 24 (low 25 t = 5.0 us >= 4.7 us), SCLH = 19 (high 20 t = 4.0 us >= 4.0 us),
 * SDADEL = 2 (data hold 400 ns <= 3.45 us), SCLDEL = 4 (data setup 5 t = 1.0 us >= 250 ns):
 * about 95 kHz with the synchronisation delays. A sample (6 bytes) takes under 1 ms.
 */
#include <stdint.h>

#include "stm32l4.h"
#include "stm32l4_i2c.h"

#ifndef TINYFW_SENSOR_I2C_BASE
#error "TINYFW_SENSOR_I2C_BASE comes from tinyfw.sensor.i2c_base of the board manifest"
#endif

#define I2C_CR1 BOARD_REG32(TINYFW_SENSOR_I2C_BASE + 0x00u)
#define I2C_CR2 BOARD_REG32(TINYFW_SENSOR_I2C_BASE + 0x04u)
#define I2C_TIMINGR BOARD_REG32(TINYFW_SENSOR_I2C_BASE + 0x10u)
#define I2C_ISR BOARD_REG32(TINYFW_SENSOR_I2C_BASE + 0x18u)
#define I2C_ICR BOARD_REG32(TINYFW_SENSOR_I2C_BASE + 0x1Cu)
#define I2C_RXDR BOARD_REG32(TINYFW_SENSOR_I2C_BASE + 0x24u)
#define I2C_TXDR BOARD_REG32(TINYFW_SENSOR_I2C_BASE + 0x28u)

#define I2C_CR1_PE (1u << 0)
#define I2C_CR2_RD_WRN (1u << 10)
#define I2C_CR2_START (1u << 13)
#define I2C_CR2_NBYTES_SHIFT 16u
#define I2C_CR2_AUTOEND (1u << 25)
#define I2C_ISR_TXE (1u << 0)
#define I2C_ISR_TXIS (1u << 1)
#define I2C_ISR_RXNE (1u << 2)
#define I2C_ISR_NACKF (1u << 4)
#define I2C_ISR_STOPF (1u << 5)
#define I2C_ISR_TC (1u << 6)
#define I2C_ISR_BUSY (1u << 15)
#define I2C_ICR_NACKCF (1u << 4)
#define I2C_ICR_STOPCF (1u << 5)

#define I2C_TIMING(presc, scldel, sdadel, sclh, scll)                                          \
    (((uint32_t)(presc) << 28) | ((uint32_t)(scldel) << 20) | ((uint32_t)(sdadel) << 16) |      \
     ((uint32_t)(sclh) << 8) | (uint32_t)(scll))
#define I2C_TIMINGR_100KHZ_AT_80MHZ I2C_TIMING(15u, 4u, 2u, 19u, 24u)
_Static_assert(TINYFW_CPU_CLOCK_HZ == 80000000u, "TIMINGR below is computed for PCLK1 = 80 MHz");

#define I2C_SCL_PIN 10u
#define I2C_SDA_PIN 11u
#define I2C_AF 4u

/* Polls; at 80 MHz this bounds a wait to a few tens of milliseconds. */
#define I2C_SPIN_LIMIT 400000u

/* Wait for any of `flags`; a NACK ends the transfer (the controller sends the STOP). */
static int32_t wait_flag(uint32_t flags)
{
    for (uint32_t spin = 0u; spin < I2C_SPIN_LIMIT; ++spin) {
        const uint32_t isr = I2C_ISR;
        if ((isr & I2C_ISR_NACKF) != 0u) {
            for (uint32_t s = 0u; s < I2C_SPIN_LIMIT && (I2C_ISR & I2C_ISR_STOPF) == 0u; ++s) {
            }
            I2C_ICR = I2C_ICR_NACKCF | I2C_ICR_STOPCF;
            I2C_ISR = I2C_ISR_TXE; /* flush TXDR */
            return STM32L4_I2C_NACK;
        }
        if ((isr & flags) != 0u) {
            return 0;
        }
    }
    return STM32L4_I2C_TIMEOUT;
}

static int32_t wait_idle(void)
{
    for (uint32_t spin = 0u; spin < I2C_SPIN_LIMIT; ++spin) {
        if ((I2C_ISR & I2C_ISR_BUSY) == 0u) {
            I2C_ICR = I2C_ICR_NACKCF | I2C_ICR_STOPCF;
            return 0;
        }
    }
    return STM32L4_I2C_TIMEOUT;
}

static int32_t wait_stop(void)
{
    const int32_t r = wait_flag(I2C_ISR_STOPF);
    I2C_ICR = I2C_ICR_STOPCF;
    return r;
}

int32_t stm32l4_i2c_init(void)
{
    RCC_AHB2ENR |= RCC_AHB2ENR_GPIOBEN;
    RCC_APB1ENR1 |= RCC_APB1ENR1_I2C2EN;
    RCC_CCIPR &= ~RCC_CCIPR_I2C2SEL_MASK; /* kernel clock = PCLK1 */
    (void)RCC_APB1ENR1;
    stm32l4_gpiob_af(I2C_SCL_PIN, I2C_AF, 1, 1);
    stm32l4_gpiob_af(I2C_SDA_PIN, I2C_AF, 1, 1);

    I2C_CR1 = 0u; /* PE = 0 also resets the controller's state machine */
    I2C_TIMINGR = I2C_TIMINGR_100KHZ_AT_80MHZ;
    I2C_CR1 = I2C_CR1_PE;
    return wait_idle();
}

int32_t stm32l4_i2c_write(uint8_t addr, uint8_t reg, uint8_t value)
{
    int32_t r = wait_idle();
    if (r != 0) {
        return r;
    }
    I2C_CR2 = ((uint32_t)addr << 1) | (2u << I2C_CR2_NBYTES_SHIFT) | I2C_CR2_AUTOEND |
              I2C_CR2_START;
    if ((r = wait_flag(I2C_ISR_TXIS)) != 0) {
        return r;
    }
    I2C_TXDR = reg;
    if ((r = wait_flag(I2C_ISR_TXIS)) != 0) {
        return r;
    }
    I2C_TXDR = value;
    return wait_stop();
}

int32_t stm32l4_i2c_read(uint8_t addr, uint8_t reg, uint8_t *buf, uint32_t n)
{
    if (n == 0u || n > 255u) {
        return STM32L4_I2C_TIMEOUT;
    }
    int32_t r = wait_idle();
    if (r != 0) {
        return r;
    }
    /* Register address, then a repeated START into the read (no STOP in between). */
    I2C_CR2 = ((uint32_t)addr << 1) | (1u << I2C_CR2_NBYTES_SHIFT) | I2C_CR2_START;
    if ((r = wait_flag(I2C_ISR_TXIS)) != 0) {
        return r;
    }
    I2C_TXDR = reg;
    if ((r = wait_flag(I2C_ISR_TC)) != 0) {
        return r;
    }
    I2C_CR2 = ((uint32_t)addr << 1) | I2C_CR2_RD_WRN | (n << I2C_CR2_NBYTES_SHIFT) |
              I2C_CR2_AUTOEND | I2C_CR2_START;
    for (uint32_t i = 0u; i < n; ++i) {
        if ((r = wait_flag(I2C_ISR_RXNE)) != 0) {
            return r;
        }
        buf[i] = (uint8_t)I2C_RXDR;
    }
    return wait_stop();
}
