/* An example `pio test -e mps2_an386` suite (test/README.md): C unit tests built with the
 * firmware's kernels, board layer and firmware/user/ code, run in QEMU. These check the
 * requantization helpers against values worked out by hand from TFLite Micro's definitions
 * (rounding, saturation). */
#include <stdint.h>

#include "tfw_qmath.h"
#include "tfw_unit.h"

static void test_rounding_divide_by_power_of_two_rounds_half_away_from_zero(void)
{
    TFW_ASSERT_EQ(3, tfw_rdbpot(5, 1));    /* 2.5 */
    TFW_ASSERT_EQ(-3, tfw_rdbpot(-5, 1));  /* -2.5 */
    TFW_ASSERT_EQ(2, tfw_rdbpot(7, 2));    /* 1.75 */
    TFW_ASSERT_EQ(-2, tfw_rdbpot(-6, 2));  /* -1.5 */
    TFW_ASSERT_EQ(-2, tfw_rdbpot(-4, 1));
}

static void test_doubling_high_multiply_rounds_and_saturates(void)
{
    TFW_ASSERT_EQ(1 << 29, tfw_srdhm(1 << 30, 1 << 30)); /* 2^60 * 2 / 2^32 */
    TFW_ASSERT_EQ(2, tfw_srdhm(3, 1 << 30));             /* 1.5 */
    /* -1.5: gemmlowp adds 1 - 2^30 to a negative product and truncates: ties go up */
    TFW_ASSERT_EQ(-1, tfw_srdhm(-3, 1 << 30));
    TFW_ASSERT_EQ(INT32_MAX, tfw_srdhm(INT32_MIN, INT32_MIN));
}

static void test_saturation_to_int8(void)
{
    TFW_ASSERT_EQ(127, tfw_sat8(200));
    TFW_ASSERT_EQ(-128, tfw_sat8(-200));
    TFW_ASSERT_EQ(-5, tfw_sat8(-5));
}

int main(void)
{
    TFW_BEGIN();
    TFW_RUN(test_rounding_divide_by_power_of_two_rounds_half_away_from_zero);
    TFW_RUN(test_doubling_high_multiply_rounds_and_saturates);
    TFW_RUN(test_saturation_to_int8);
    return TFW_END();
}
