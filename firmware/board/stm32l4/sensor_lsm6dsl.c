/*
 * sensor_lsm6dsl.c - the real sensor of the B-L475E-IOT01A: the LSM6DSL accelerometer on the
 * sensor I2C bus (tinyfw.sensor of the board manifest: I2C2, address 0x6A), at 26 Hz and
 * +-4 g, in milli-g: the rate, range and units of the st-har recordings made on this board.
 *
 * These strong definitions replace the weak trace player (firmware/app/sensor_trace.c).
 * sensor_read waits for the next sample (STATUS_REG.XLDA) and returns one frame (x, y, z);
 * the app keeps up as long as an inference takes less than a sample period (38 ms). A sensor
 * that stops answering makes sensor_read fail after 200 ms (the app reports it and stops).
 */
#include <stdint.h>

#include "../../app/sensor.h"
#include "../board.h"
#include "lsm6dsl.h"
#include "stm32l4_i2c.h"

#ifndef TINYFW_SENSOR_I2C_ADDRESS
#error "TINYFW_SENSOR_I2C_ADDRESS comes from tinyfw.sensor.i2c_address of the board manifest"
#endif

#define SENSOR_CHANNELS 3
#define SAMPLE_TIMEOUT_TICKS ((uint32_t)(TINYFW_TIMER_CLOCK_HZ) / 5u) /* 200 ms */

static const uint8_t s_address = (uint8_t)TINYFW_SENSOR_I2C_ADDRESS;

static void warn(const char *what, int32_t code)
{
    board_uart_puts("warn lsm6dsl: ");
    board_uart_puts(what);
    board_put_i32(code);
    board_uart_puts("\n");
}

int32_t sensor_open(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    int32_t r = stm32l4_i2c_init();
    if (r != 0) {
        warn("the I2C bus stays busy, error ", r);
        return -1;
    }
    uint8_t who = 0u;
    r = stm32l4_i2c_read(s_address, LSM6DSL_WHO_AM_I, &who, 1u);
    if (r != 0) {
        warn("no answer on the sensor bus, error ", r);
        return -2;
    }
    if (who != LSM6DSL_WHO_AM_I_VALUE) {
        warn("WHO_AM_I is not 0x6a but ", (int32_t)who);
        return -3;
    }
    /* Software reset, then block data update + auto-increment, then 26 Hz at +-4 g. */
    r = stm32l4_i2c_write(s_address, LSM6DSL_CTRL3_C, LSM6DSL_CTRL3_C_SW_RESET);
    uint8_t ctrl3 = LSM6DSL_CTRL3_C_SW_RESET;
    for (uint32_t tries = 0u; r == 0 && (ctrl3 & LSM6DSL_CTRL3_C_SW_RESET) != 0u; ++tries) {
        r = tries < 1000u ? stm32l4_i2c_read(s_address, LSM6DSL_CTRL3_C, &ctrl3, 1u) : -1;
    }
    if (r == 0) {
        r = stm32l4_i2c_write(s_address, LSM6DSL_CTRL3_C,
                              LSM6DSL_CTRL3_C_BDU | LSM6DSL_CTRL3_C_IF_INC);
    }
    if (r == 0) {
        r = stm32l4_i2c_write(s_address, LSM6DSL_CTRL1_XL,
                              LSM6DSL_CTRL1_XL_ODR_26HZ | LSM6DSL_CTRL1_XL_FS_4G);
    }
    if (r != 0) {
        warn("configuration failed, error ", r);
        return -4;
    }
    return 0;
}

int32_t sensor_burst_frames(void)
{
    return 1;
}

int32_t sensor_read(int16_t *frames, int32_t max_frames, int32_t channels)
{
    if (channels != SENSOR_CHANNELS || max_frames < 1) {
        return -1;
    }
    const uint32_t start = board_timer_ticks();
    uint8_t status = 0u;
    while ((status & LSM6DSL_STATUS_XLDA) == 0u) {
        if (stm32l4_i2c_read(s_address, LSM6DSL_STATUS_REG, &status, 1u) != 0 ||
            (uint32_t)(board_timer_ticks() - start) > SAMPLE_TIMEOUT_TICKS) {
            return -1;
        }
    }
    uint8_t raw[2 * SENSOR_CHANNELS];
    if (stm32l4_i2c_read(s_address, LSM6DSL_OUTX_L_XL, raw, sizeof raw) != 0) {
        return -1;
    }
    for (int32_t c = 0; c < SENSOR_CHANNELS; ++c) {
        const uint16_t bits = (uint16_t)((uint32_t)raw[2 * c] | ((uint32_t)raw[2 * c + 1] << 8));
        frames[c] = lsm6dsl_raw_to_mg((int16_t)bits);
    }
    return 1;
}
