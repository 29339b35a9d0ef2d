/*
 * lsm6dsl.h - the ST LSM6DSL accelerometer registers tinyfw uses (datasheet DocID028475) and
 * its conversion to milli-g. Host-compilable (tests/test_board_disco_l475.py checks the
 * conversion against ST's float formula for every raw value).
 */
#ifndef TINYFW_LSM6DSL_H
#define TINYFW_LSM6DSL_H

#include <stdint.h>

#define LSM6DSL_WHO_AM_I 0x0Fu
#define LSM6DSL_WHO_AM_I_VALUE 0x6Au
#define LSM6DSL_CTRL1_XL 0x10u
#define LSM6DSL_CTRL2_G 0x11u
#define LSM6DSL_CTRL3_C 0x12u
#define LSM6DSL_STATUS_REG 0x1Eu
#define LSM6DSL_OUTX_L_G 0x22u  /* gyroscope X, Y, Z: little-endian int16, 0x22..0x27 */
#define LSM6DSL_OUTX_L_XL 0x28u /* X, Y, Z: little-endian int16, 0x28..0x2D */

#define LSM6DSL_CTRL1_XL_ODR_26HZ (0x2u << 4) /* ODR_XL[3:0] = 0010 */
#define LSM6DSL_CTRL1_XL_FS_4G (0x2u << 2)    /* FS_XL[1:0] = 10: +-4 g */
#define LSM6DSL_CTRL3_C_BDU (1u << 6)         /* output registers update as a block */
#define LSM6DSL_CTRL3_C_IF_INC (1u << 2)      /* register address auto-increment */
#define LSM6DSL_CTRL3_C_SW_RESET (1u << 0)
#define LSM6DSL_STATUS_XLDA (1u << 0) /* a new accelerometer sample is ready */
#define LSM6DSL_STATUS_GDA (1u << 1)  /* a new gyroscope sample is ready */

/* +-4 g full scale: 0.122 mg per LSB. */
#define LSM6DSL_MG_PER_LSB_X1000 122

/* How the driver configures the sensor (sensor_lsm6dsl.c, from tinyfw.sim.sensor_config). */
typedef struct {
    uint8_t ctrl1_xl;   /* CTRL1_XL: accelerometer ODR and full scale */
    uint8_t ctrl2_g;    /* CTRL2_G: gyroscope ODR and full scale, 0 = off */
    uint8_t channels;   /* 3 (accelerometer) or 6 (then gyroscope) */
    uint8_t decimation; /* consecutive samples averaged per frame, 1..8 */
    int32_t xl_num;     /* accelerometer counts per LSB = xl_num / xl_den */
    int32_t xl_den;
    int32_t g_num; /* gyroscope counts per LSB = g_num / g_den */
    int32_t g_den;
    int32_t min; /* frames are clamped to [min, max] (the model's data.range) */
    int32_t max;
} tfw_lsm6dsl_config;

/* volatile: the driver reads it from flash (never folded away), so it stays in the ELF. */
extern const volatile tfw_lsm6dsl_config tfw_lsm6dsl;

/*
 * The mean of `n` raw samples whose sum is `sum`, rounded half away from zero, converted to
 * counts as raw * num / den truncated toward zero (num / den: counts per LSB, from
 * tinyfw.sim.sensor_config; for milli-g at +-4 g, 61 / 500 = 0.122, the formula above) and
 * clamped to [lo, hi] (the model's data.range). |sum| <= 8 * 32768 and |mean * num| < 2^31.
 */
static inline int16_t lsm6dsl_counts(int32_t sum, int32_t n, int32_t num, int32_t den,
                                     int32_t lo, int32_t hi)
{
    const int32_t mag = sum < 0 ? -sum : sum;
    const int32_t q = (mag + n / 2) / n;
    const int32_t mean = sum < 0 ? -q : q;
    int32_t c = (mean * num) / den; /* C division truncates toward zero */
    c = c < lo ? lo : c;
    c = c > hi ? hi : c;
    return (int16_t)c;
}

/*
 * Raw count to milli-g, truncated toward zero: raw * 122 / 1000 in integers. ST's sensor
 * drivers compute (int16_t)(raw * 0.122f); both agree for every int16 raw value (the exact
 * quotient's fractional part is a multiple of 0.001 and the float error stays below 1e-4), so
 * the firmware sees the units of the recorded st-har traces. Range +-3998 mg.
 */
static inline int16_t lsm6dsl_raw_to_mg(int16_t raw)
{
    return lsm6dsl_counts(raw, 1, LSM6DSL_MG_PER_LSB_X1000, 1000, -32768, 32767);
}

#endif /* TINYFW_LSM6DSL_H */
