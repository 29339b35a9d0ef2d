/*
 * board.h - the board API every tinyfw firmware uses (UART, timer, stack, exit, argv).
 *
 * One implementation per board family lives in firmware/board/<family>/ (drivers) plus
 * firmware/board/common/ (startup, faults, semihosting). The board constants (UART/timer base
 * addresses and clocks, board id) are NOT written here: the PlatformIO builder passes them as
 * -D defines derived from boards/<id>.json, so the manifest is the only place they live:
 *
 *   TINYFW_BOARD_ID          "mps2_an386"     string literal, the manifest file name
 *   TINYFW_CPU_CLOCK_HZ      25000000u        build.f_cpu
 *   TINYFW_UART_BASE         0x40004000u      tinyfw.uart.base
 *   TINYFW_UART_CLOCK_HZ / TINYFW_UART_BAUD   tinyfw.uart.clock_hz / .baud
 *   TINYFW_TIMER_BASE        0x40000000u      tinyfw.timer.base
 *   TINYFW_TIMER_CLOCK_HZ    25000000u        tinyfw.timer.clock_hz (ticks per second)
 *   TINYFW_TIMER_INPUT_HZ    25000000u        tinyfw.timer.input_hz (before the prescaler;
 *                                             default clock_hz)
 *   TINYFW_UART_KIND_<K>, TINYFW_TIMER_KIND_<K>, TINYFW_SENSOR_KIND_<K>
 *                            "1": tinyfw.uart.kind etc. in upper case; each
 *                            driver compiles only under its own
 *   TINYFW_SEMIHOSTING       1 or 0           tinyfw.semihosting (1 for simulated boards)
 *
 * Timing: board_timer_ticks() returns raw timer ticks. The firmware never converts them; the
 * host does (sim/qemu.py ticks_to_instructions: with QEMU -icount shift=N, instructions =
 * ticks * (1e9 / TINYFW_TIMER_CLOCK_HZ) / 2^N). No floating point anywhere in this layer.
 */
#ifndef TINYFW_BOARD_H
#define TINYFW_BOARD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Exit statuses the board layer itself uses (the app uses 0..63). */
#define BOARD_EXIT_HARDFAULT 70
#define BOARD_EXIT_MEMMANAGE 71
#define BOARD_EXIT_BUSFAULT 72
#define BOARD_EXIT_USAGEFAULT 73
#define BOARD_EXIT_SECUREFAULT 74
#define BOARD_EXIT_UNEXPECTED_IRQ 75

/* Word written over the whole stack at reset; board_stack_high_water() looks for it. */
#define BOARD_STACK_PAINT 0xC0DEF00Du

/* Initialise the UART (and anything else main needs). Call first in main. */
void board_init(void);

/* Blocking write of n bytes to the board UART (no translation: "\n" stays "\n"). */
void board_uart_write(const char *s, uint32_t n);
/* Write a NUL-terminated string as is (like fputs: NO newline is added). */
void board_uart_puts(const char *s);
/* Decimal and hexadecimal integers, no padding except hex (always 0x + 8 digits). */
void board_put_u32(uint32_t value);
void board_put_i32(int32_t value);
void board_put_u64(uint64_t value);
void board_put_hex32(uint32_t value);

/*
 * Timer: (re)start the free-running board timer at 0, then read it.
 * board_timer_ticks() is a monotonic up-counting view that wraps at 2^32 ticks; measure
 * intervals as (uint32_t)(t1 - t0). mps2 boards: CMSDK TIMER0 (32-bit down-counter, no
 * interrupt). lm3s6965evb: SysTick (24-bit) extended to 32 bits by a wrap counter in
 * SysTick_Handler (5 instructions per 2^24 ticks, which a measurement includes).
 */
void board_timer_start(void);
uint32_t board_timer_ticks(void);

/* Bytes of the main (thread) stack ever used since reset, from the painted pattern.
 * Equal to board_stack_size() when the stack is exhausted. */
uint32_t board_stack_high_water(void);
/* Size of the main stack reservation in bytes (linker symbol __stack_size). */
uint32_t board_stack_size(void);

/*
 * The host command line (semihosting SYS_GET_CMDLINE), NUL-terminated in buf.
 * Returns its length in bytes, BOARD_CMDLINE_TOO_LONG if the host has one that does not fit in
 * n bytes, or -1 if there is none (no semihosting).
 * QEMU joins its `-semihosting-config arg=...` values with single spaces; by convention
 * argv[0] is the ELF path.
 */
#define BOARD_CMDLINE_TOO_LONG (-2)
int board_cmdline(char *buf, uint32_t n);
/* Split buf in place on spaces into at most max_args words; returns the word count. */
int board_split_args(char *buf, char *argv[], int max_args);

/*
 * End the program with status code (semihosting SYS_EXIT_EXTENDED; the host sees code mod 256).
 * Without semihosting (real hardware): halts at a breakpoint if a debugger is attached,
 * otherwise sleeps forever.
 */
void board_exit(int code) __attribute__((noreturn));

#ifdef __cplusplus
}
#endif

#endif /* TINYFW_BOARD_H */
