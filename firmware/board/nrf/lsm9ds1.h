/*
 * lsm9ds1.h - the ST LSM9DS1 accelerometer registers tinyfw uses (datasheet DocID025715 Rev 3)
 * and its conversion to milli-g. Host-compilable.
 */
#ifndef TINYFW_LSM9DS1_H
#define TINYFW_LSM9DS1_H

#include <stdint.h>

#define LSM9DS1_WHO_AM_I 0x0Fu
#define LSM9DS1_WHO_AM_I_VALUE 0x68u /* accelerometer/gyroscope die */
#define LSM9DS1_CTRL_REG1_G 0x10u    /* ODR_G[7:5] = 000: gyroscope off (accelerometer only) */
#define LSM9DS1_CTRL_REG6_XL 0x20u
#define LSM9DS1_CTRL_REG8 0x22u
#define LSM9DS1_STATUS_REG 0x27u
#define LSM9DS1_OUT_X_L_XL 0x28u /* X, Y, Z: little-endian int16, 0x28..0x2D */

#define LSM9DS1_CTRL_REG6_XL_ODR_119HZ (0x3u << 5) /* ODR_XL[2:0] = 011 */
#define LSM9DS1_CTRL_REG6_XL_FS_4G (0x2u << 3)     /* FS_XL[1:0] = 10: +-4 g */
#define LSM9DS1_CTRL_REG8_BDU (1u << 6)            /* output registers update as a block */
#define LSM9DS1_CTRL_REG8_IF_ADD_INC (1u << 2)     /* register address auto-increment */
#define LSM9DS1_CTRL_REG8_SW_RESET (1u << 0)
#define LSM9DS1_STATUS_XLDA (1u << 0)

/* The output data rate the driver runs at; the model's rate (at most this) is taken from it
 * by reading the newest sample once per model period. */
#define LSM9DS1_ODR_MILLIHZ 119000

/* +-4 g full scale: 0.122 mg per LSB (datasheet table 3, linear acceleration sensitivity). */
#define LSM9DS1_MG_PER_LSB_X1000 122

/* Raw count to milli-g, truncated toward zero: raw * 122 / 1000 in integers (+-3998 mg). */
static inline int16_t lsm9ds1_raw_to_mg(int16_t raw)
{
    return (int16_t)(((int32_t)raw * LSM9DS1_MG_PER_LSB_X1000) / 1000);
}

#endif /* TINYFW_LSM9DS1_H */
