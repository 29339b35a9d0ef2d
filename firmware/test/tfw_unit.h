/*
 * tfw_unit.h - a tiny unit-test header for `pio test` on the simulated boards (Unity cannot
 * be downloaded here; this prints the same result lines, which test/test_custom_runner.py
 * reads).
 *
 *   #include "tfw_unit.h"
 *   static void test_clamp_keeps_values_in_range(void)
 *   {
 *       TFW_ASSERT_EQ(127, my_clamp(300));
 *   }
 *   int main(void)
 *   {
 *       TFW_BEGIN();
 *       TFW_RUN(test_clamp_keeps_values_in_range);
 *       return TFW_END();   // 0 when every test passed, 1 otherwise (the firmware's exit status)
 *   }
 *
 * Lines on the UART (one per test, then a summary):
 *   <file>:<line>:<test>:PASS
 *   <file>:<line>:<test>:FAIL: <what>
 *   <n> Tests <f> Failures 0 Ignored
 * A failed assertion ends its test (return); the next test runs. C11, no allocation, no stdio.
 */
#ifndef TFW_UNIT_H
#define TFW_UNIT_H

#include <stdint.h>

#include "board.h"

typedef struct {
    uint32_t tests;
    uint32_t failures;
    const char *name;   /* the running test */
    int failed;         /* the running test failed */
} tfw_unit_state;

static tfw_unit_state tfw_unit;

static inline void tfw_unit_where(const char *file, int line, const char *name)
{
    board_uart_puts(file);
    board_uart_puts(":");
    board_put_i32((int32_t)line);
    board_uart_puts(":");
    board_uart_puts(name);
}

static inline void tfw_unit_fail(const char *file, int line, const char *what)
{
    tfw_unit.failed = 1;
    tfw_unit_where(file, line, tfw_unit.name);
    board_uart_puts(":FAIL: ");
    board_uart_puts(what);
}

static inline void tfw_unit_run(void (*test)(void), const char *name, const char *file, int line)
{
    tfw_unit.name = name;
    tfw_unit.failed = 0;
    tfw_unit.tests++;
    test();
    if (tfw_unit.failed) {
        tfw_unit.failures++;
    } else {
        tfw_unit_where(file, line, name);
        board_uart_puts(":PASS\n");
    }
}

static inline int tfw_unit_end(void)
{
    board_put_u32(tfw_unit.tests);
    board_uart_puts(" Tests ");
    board_put_u32(tfw_unit.failures);
    board_uart_puts(" Failures 0 Ignored\n");
    board_uart_puts(tfw_unit.failures ? "FAIL\n" : "OK\n");
    return tfw_unit.failures ? 1 : 0;
}

#define TFW_BEGIN() board_init()
#define TFW_RUN(test) tfw_unit_run(test, #test, __FILE__, __LINE__)
#define TFW_END() tfw_unit_end()

/* The condition holds. */
#define TFW_ASSERT(cond)                                                       \
    do {                                                                       \
        if (!(cond)) {                                                         \
            tfw_unit_fail(__FILE__, __LINE__, "expected " #cond "\n");         \
            return;                                                            \
        }                                                                      \
    } while (0)

/* Two integers (up to 32 bits) are equal; the message shows both. */
#define TFW_ASSERT_EQ(expected, actual)                                        \
    do {                                                                       \
        int32_t tfw_e_ = (int32_t)(expected), tfw_a_ = (int32_t)(actual);      \
        if (tfw_e_ != tfw_a_) {                                                \
            tfw_unit_fail(__FILE__, __LINE__, #actual " expected ");           \
            board_put_i32(tfw_e_);                                             \
            board_uart_puts(" was ");                                          \
            board_put_i32(tfw_a_);                                             \
            board_uart_puts("\n");                                             \
            return;                                                            \
        }                                                                      \
    } while (0)

#endif /* TFW_UNIT_H */
