/*
 * sensor_lsm6dsl.c - the real sensor of the B-L475E-IOT01A: the LSM6DSL on the sensor I2C bus
 * (tinyfw.sensor of the board manifest: I2C2, address 0x6A), configured from the model's
 * contract by `tinyfw build` (tinyfw.sim.sensor_config passes the TFW_SENSOR_* and
 * TFW_LSM6DSL_* defines below): 3 channels (accelerometer x, y, z) or 6 (then gyroscope x, y,
 * z), the output data rate equal to the model's rate or a multiple of it (TFW_SENSOR_DECIMATION
 * consecutive samples averaged per frame), the full scales that cover the model's data.range,
 * samples converted to the model's count units and clamped to its range.
 * Without the defines (a bare `pio run`) it is what the st-har recordings were made with:
 * 26 Hz, +-4 g, 3 channels, milli-g; a model that needs other channels or another rate then
 * stops the build (below).
 *
 * These strong definitions replace the weak trace player (firmware/app/sensor_trace.c).
 * sensor_read waits for the next samples (STATUS_REG.XLDA, and GDA with the gyroscope) and
 * returns one frame; the app keeps up as long as an inference takes less than a sample period.
 * A sensor that stops answering makes sensor_read fail after 200 ms (the app reports it and
 * stops).
 */
#include <stdint.h>

#include "../../app/sensor.h"
#include "../board.h"
#include "lsm6dsl.h"
#include "stm32l4_i2c.h"

#ifndef TINYFW_SENSOR_I2C_ADDRESS
#error "TINYFW_SENSOR_I2C_ADDRESS comes from tinyfw.sensor.i2c_address of the board manifest"
#endif

#ifndef TFW_SENSOR_CHANNELS /* the st-har configuration: 26 Hz, +-4 g, milli-g, 3 axes */
#define TFW_SENSOR_CHANNELS 3
#define TFW_SENSOR_DECIMATION 1
#define TFW_SENSOR_RATE_MILLIHZ 26000
#define TFW_LSM6DSL_CTRL1_XL (LSM6DSL_CTRL1_XL_ODR_26HZ | LSM6DSL_CTRL1_XL_FS_4G)
#define TFW_LSM6DSL_CTRL2_G 0x00u
#define TFW_SENSOR_XL_NUM LSM6DSL_MG_PER_LSB_X1000
#define TFW_SENSOR_XL_DEN 1000
#define TFW_SENSOR_G_NUM 0
#define TFW_SENSOR_G_DEN 1
#define TFW_SENSOR_MIN (-32768)
#define TFW_SENSOR_MAX 32767
#endif

#if TFW_SENSOR_CHANNELS != 3 && TFW_SENSOR_CHANNELS != 6
#error "the LSM6DSL driver delivers 3 (accelerometer) or 6 (accelerometer + gyroscope) channels"
#endif
#if TFW_SENSOR_DECIMATION < 1 || TFW_SENSOR_DECIMATION > 8
#error "TFW_SENSOR_DECIMATION must be 1..8"
#endif

/* The model's app_config.h (when this is the tinyfw app): a model whose channels or rate the
 * driver was not configured for stops the build instead of running on the wrong data. */
#if defined(__has_include)
#if __has_include("app_config.h") && __has_include("postprocess.h")
#include "app_config.h"
#if TFW_CHANNELS != TFW_SENSOR_CHANNELS || TFW_RATE_MILLIHZ != TFW_SENSOR_RATE_MILLIHZ
#error "the model's channels or rate are not what the LSM6DSL is configured for: build with `tinyfw build` (it configures the sensor from the model's contract, or says why it cannot)"
#endif
#endif
#endif

#define SENSOR_CHANNELS TFW_SENSOR_CHANNELS

/* The configuration, as data in flash (a debugger or a test reads it back from the ELF). */
const volatile tfw_lsm6dsl_config tfw_lsm6dsl = {
    .ctrl1_xl = (uint8_t)(TFW_LSM6DSL_CTRL1_XL),
    .ctrl2_g = (uint8_t)(TFW_LSM6DSL_CTRL2_G),
    .channels = (uint8_t)(TFW_SENSOR_CHANNELS),
    .decimation = (uint8_t)(TFW_SENSOR_DECIMATION),
    .xl_num = TFW_SENSOR_XL_NUM,
    .xl_den = TFW_SENSOR_XL_DEN,
    .g_num = TFW_SENSOR_G_NUM,
    .g_den = TFW_SENSOR_G_DEN,
    .min = TFW_SENSOR_MIN,
    .max = TFW_SENSOR_MAX,
};
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
    /* Software reset, then block data update + auto-increment, then rate and full scale. */
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
        r = stm32l4_i2c_write(s_address, LSM6DSL_CTRL1_XL, tfw_lsm6dsl.ctrl1_xl);
    }
    if (r == 0 && SENSOR_CHANNELS == 6) {
        r = stm32l4_i2c_write(s_address, LSM6DSL_CTRL2_G, tfw_lsm6dsl.ctrl2_g);
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
    /* 6 channels: one read of gyroscope x, y, z then accelerometer x, y, z (0x22..0x2D). */
    const uint8_t ready = SENSOR_CHANNELS == 6 ? (LSM6DSL_STATUS_XLDA | LSM6DSL_STATUS_GDA)
                                               : LSM6DSL_STATUS_XLDA;
    const uint8_t first = SENSOR_CHANNELS == 6 ? LSM6DSL_OUTX_L_G : LSM6DSL_OUTX_L_XL;
    int32_t sum[SENSOR_CHANNELS] = {0}; /* in the frame's order: accelerometer first */
    for (int32_t k = 0; k < TFW_SENSOR_DECIMATION; ++k) {
        const uint32_t start = board_timer_ticks();
        uint8_t status = 0u;
        while ((status & ready) != ready) {
            if (stm32l4_i2c_read(s_address, LSM6DSL_STATUS_REG, &status, 1u) != 0 ||
                (uint32_t)(board_timer_ticks() - start) > SAMPLE_TIMEOUT_TICKS) {
                return -1;
            }
        }
        uint8_t raw[2 * SENSOR_CHANNELS];
        if (stm32l4_i2c_read(s_address, first, raw, sizeof raw) != 0) {
            return -1;
        }
        for (int32_t c = 0; c < SENSOR_CHANNELS; ++c) {
            const uint16_t bits =
                (uint16_t)((uint32_t)raw[2 * c] | ((uint32_t)raw[2 * c + 1] << 8));
            /* raw holds the gyroscope first when there is one; frames want it last */
            const int32_t to = SENSOR_CHANNELS == 6 ? (c + 3) % 6 : c;
            sum[to] += (int16_t)bits;
        }
    }
    for (int32_t c = 0; c < SENSOR_CHANNELS; ++c) {
        const int32_t gyro = c >= 3;
        frames[c] = lsm6dsl_counts(sum[c], TFW_SENSOR_DECIMATION,
                                   gyro ? tfw_lsm6dsl.g_num : tfw_lsm6dsl.xl_num,
                                   gyro ? tfw_lsm6dsl.g_den : tfw_lsm6dsl.xl_den,
                                   tfw_lsm6dsl.min, tfw_lsm6dsl.max);
    }
    return 1;
}
