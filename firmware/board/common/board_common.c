/*
 * board_common.c - the parts of board.h that are the same on every board: UART text helpers,
 * stack high-water mark, command line, exit.
 */
#include <stddef.h>
#include <stdint.h>

#include "../board.h"
#include "../semihost.h"
#include "board_internal.h"

void board_init(void)
{
    board_uart_init();
}

void board_uart_write(const char *s, uint32_t n)
{
    for (uint32_t i = 0u; i < n; ++i) {
        board_uart_putc(s[i]);
    }
}

void board_uart_puts(const char *s)
{
    while (*s != '\0') {
        board_uart_putc(*s++);
    }
}

void board_put_u64(uint64_t value)
{
    char digits[20];
    uint32_t n = 0u;
    do {
        digits[n++] = (char)('0' + (uint32_t)(value % 10u));
        value /= 10u;
    } while (value != 0u);
    while (n != 0u) {
        board_uart_putc(digits[--n]);
    }
}

void board_put_u32(uint32_t value)
{
    char digits[10];
    uint32_t n = 0u;
    do {
        digits[n++] = (char)('0' + value % 10u);
        value /= 10u;
    } while (value != 0u);
    while (n != 0u) {
        board_uart_putc(digits[--n]);
    }
}

void board_put_i32(int32_t value)
{
    if (value < 0) {
        board_uart_putc('-');
        /* -INT32_MIN overflows int32_t; negate in uint32_t instead. */
        board_put_u32(0u - (uint32_t)value);
    } else {
        board_put_u32((uint32_t)value);
    }
}

void board_put_hex32(uint32_t value)
{
    static const char hex[16] = "0123456789abcdef";
    board_uart_putc('0');
    board_uart_putc('x');
    for (int shift = 28; shift >= 0; shift -= 4) {
        board_uart_putc(hex[(value >> (uint32_t)shift) & 0xFu]);
    }
}

uint32_t board_stack_size(void)
{
    return (uint32_t)((uintptr_t)__stack_top - (uintptr_t)__stack_bottom);
}

uint32_t board_stack_high_water(void)
{
    /* The stack grows down from __stack_top: the lowest overwritten word marks the peak. */
    const volatile uint32_t *p = __stack_bottom;
    const volatile uint32_t *const top = __stack_top;
    while (p < top && *p == BOARD_STACK_PAINT) {
        ++p;
    }
    return (uint32_t)((uintptr_t)top - (uintptr_t)p);
}

int board_cmdline(char *buf, uint32_t n)
{
    return (int)semihost_get_cmdline(buf, n);
}

int board_split_args(char *buf, char *argv[], int max_args)
{
    int argc = 0;
    char *p = buf;
    while (*p != '\0' && argc < max_args) {
        while (*p == ' ') {
            *p++ = '\0';
        }
        if (*p == '\0') {
            break;
        }
        argv[argc++] = p;
        while (*p != '\0' && *p != ' ') {
            ++p;
        }
    }
    return argc;
}

__attribute__((used)) void board_exit(int code) /* called from startup.c's asm */
{
#if TINYFW_SEMIHOSTING
    semihost_exit((int32_t)code);
#else
    (void)code;
    for (;;) {
        if ((DCB_DHCSR & DCB_DHCSR_C_DEBUGEN) != 0u) {
            __asm__ volatile("bkpt 0x00"); /* a debugger is attached: stop here, r0 = code */
        } else {
            __asm__ volatile("wfi");
        }
    }
#endif
}
