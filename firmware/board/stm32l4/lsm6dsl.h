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
#define LSM6DSL_CTRL3_C 0x12u
#define LSM6DSL_STATUS_REG 0x1Eu
#define LSM6DSL_OUTX_L_XL 0x28u /* X, Y, Z: little-endian int16, 0x28..0x2D */

#define LSM6DSL_CTRL1_XL_ODR_26HZ (0x2u << 4) /* ODR_XL[3:0] = 0010 */
#define LSM6DSL_CTRL1_XL_FS_4G (0x2u << 2)    /* FS_XL[1:0] = 10: +-4 g */
#define LSM6DSL_CTRL3_C_BDU (1u << 6)         /* output registers update as a block */
#define LSM6DSL_CTRL3_C_IF_INC (1u << 2)      /* register address auto-increment */
#define LSM6DSL_CTRL3_C_SW_RESET (1u << 0)
#define LSM6DSL_STATUS_XLDA (1u << 0) /* a new accelerometer sample is ready */

/* +-4 g full scale: 0.122 mg per LSB. */
#define LSM6DSL_MG_PER_LSB_X1000 122

/*
 * Raw count to milli-g, truncated toward zero: raw * 122 / 1000 in integers. ST's sensor
 * drivers compute (int16_t)(raw * 0.122f); both agree for every int16 raw value (the exact
 * quotient's fractional part is a multiple of 0.001 and the float error stays below 1e-4), so
 * the firmware sees the units of the recorded st-har traces. Range +-3998 mg.
 */
static inline int16_t lsm6dsl_raw_to_mg(int16_t raw)
{
    return (int16_t)(((int32_t)raw * LSM6DSL_MG_PER_LSB_X1000) / 1000);
}

#endif /* TINYFW_LSM6DSL_H */
