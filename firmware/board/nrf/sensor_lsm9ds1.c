/*
 * sensor_lsm9ds1.c - the on-board IMU of the Arduino Nano 33 BLE: the LSM9DS1 accelerometer
 * on the internal I2C bus (tinyfw.sensor of the board manifest: TWIM0, address 0x6B), at
 * +-4 g in milli-g (the range and units of the st-har recordings), at the model's rate.
 *
 * The LSM9DS1 has no 26 Hz output rate (10, 50, 119, 238, ... Hz), so it runs at 119 Hz
 * (its anti-aliasing filter then cuts at 50 Hz) and sensor_read returns the newest sample
 * once per model period (TFW_RATE_MILLIHZ of the generated app_config.h), timed by the board
 * timer: the recordings were made by an LSM6DSL running at 26 Hz itself, so expect small
 * differences in filtering. A sensor that stops answering makes sensor_read fail after 200 ms.
 *
 * These strong definitions replace the weak trace player (firmware/app/sensor_trace.c); they
 * exist only in a build with a generated model (the self-test has no sensor).
 */
#include <stdint.h>

#if defined(TINYFW_SENSOR_KIND_LSM9DS1) && __has_include("app_config.h")

#include "../../app/sensor.h"
#include "../board.h"
#include "app_config.h"
#include "lsm9ds1.h"
#include "nrf52_twim.h"

#define SENSOR_CHANNELS 3
#define SAMPLE_TIMEOUT_TICKS ((uint32_t)(TINYFW_TIMER_CLOCK_HZ) / 5u) /* 200 ms */
/* One model period in timer ticks (16 MHz / 26 Hz = 615385, off by 0.6 ppm). */
#define PERIOD_TICKS                                                                           \
    (uint32_t)(((uint64_t)(TINYFW_TIMER_CLOCK_HZ) * 1000u + (TFW_RATE_MILLIHZ) / 2u) /          \
               (uint64_t)(TFW_RATE_MILLIHZ))

_Static_assert(TFW_CHANNELS == SENSOR_CHANNELS, "the LSM9DS1 driver delivers x, y, z");
_Static_assert(TFW_RATE_MILLIHZ > 0 && TFW_RATE_MILLIHZ <= LSM9DS1_ODR_MILLIHZ,
               "the model's rate must not exceed the LSM9DS1's 119 Hz output rate");

static const uint8_t s_address = (uint8_t)TINYFW_SENSOR_I2C_ADDRESS;
static uint32_t s_next; /* timer tick of the next sample */

static void warn(const char *what, int32_t code)
{
    board_uart_puts("warn lsm9ds1: ");
    board_uart_puts(what);
    board_put_i32(code);
    board_uart_puts("\n");
}

int32_t sensor_open(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    int32_t r = nrf52_twim_init();
    uint8_t who = 0u;
    if (r == 0) {
        r = nrf52_twim_read(s_address, LSM9DS1_WHO_AM_I, &who, 1u);
    }
    if (r != 0) {
        warn("no answer on the sensor bus, error ", r);
        return -2;
    }
    if (who != LSM9DS1_WHO_AM_I_VALUE) {
        warn("WHO_AM_I is not 0x68 but ", (int32_t)who);
        return -3;
    }
    /* Software reset, then block data update + auto-increment, gyroscope off, 119 Hz +-4 g. */
    r = nrf52_twim_write(s_address, LSM9DS1_CTRL_REG8, LSM9DS1_CTRL_REG8_SW_RESET);
    uint8_t ctrl8 = LSM9DS1_CTRL_REG8_SW_RESET;
    for (uint32_t tries = 0u; r == 0 && (ctrl8 & LSM9DS1_CTRL_REG8_SW_RESET) != 0u; ++tries) {
        r = tries < 1000u ? nrf52_twim_read(s_address, LSM9DS1_CTRL_REG8, &ctrl8, 1u) : -1;
    }
    if (r == 0) {
        r = nrf52_twim_write(s_address, LSM9DS1_CTRL_REG8,
                             LSM9DS1_CTRL_REG8_BDU | LSM9DS1_CTRL_REG8_IF_ADD_INC);
    }
    if (r == 0) {
        r = nrf52_twim_write(s_address, LSM9DS1_CTRL_REG1_G, 0u);
    }
    if (r == 0) {
        r = nrf52_twim_write(s_address, LSM9DS1_CTRL_REG6_XL,
                             LSM9DS1_CTRL_REG6_XL_ODR_119HZ | LSM9DS1_CTRL_REG6_XL_FS_4G);
    }
    if (r != 0) {
        warn("configuration failed, error ", r);
        return -4;
    }
    s_next = board_timer_ticks() + PERIOD_TICKS;
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
    /* Wait for the next sample instant (signed difference: correct across the wrap). */
    while ((int32_t)(board_timer_ticks() - s_next) < 0) {
    }
    s_next += PERIOD_TICKS;
    const uint32_t start = board_timer_ticks();
    uint8_t status = 0u;
    while ((status & LSM9DS1_STATUS_XLDA) == 0u) {
        if (nrf52_twim_read(s_address, LSM9DS1_STATUS_REG, &status, 1u) != 0 ||
            (uint32_t)(board_timer_ticks() - start) > SAMPLE_TIMEOUT_TICKS) {
            return -1;
        }
    }
    uint8_t raw[2 * SENSOR_CHANNELS];
    if (nrf52_twim_read(s_address, LSM9DS1_OUT_X_L_XL, raw, sizeof raw) != 0) {
        return -1;
    }
    for (int32_t c = 0; c < SENSOR_CHANNELS; ++c) {
        const uint16_t bits = (uint16_t)((uint32_t)raw[2 * c] | ((uint32_t)raw[2 * c + 1] << 8));
        frames[c] = lsm9ds1_raw_to_mg((int16_t)bits);
    }
    return 1;
}

#endif /* TINYFW_SENSOR_KIND_LSM9DS1 && app_config.h */
