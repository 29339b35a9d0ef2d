/*
 * Board self-test firmware (tests/test_board_*.py builds it with custom_tinyfw_app=board/selftest).
 *
 * argv (semihosting command line, argv[0] = ELF path) is a list of commands run in order:
 *   file <path>      read a host file through semihosting (512-byte chunks):
 *                    "file len=<SYS_FLEN> read=<bytes> crc32=0x........"
 *   loop <n>         time n iterations of a 2-instruction loop (subs/bne, n >= 1):
 *                    "loop n=<n> ticks=<timer ticks>"
 *   stack <bytes>    recurse through 256-byte frames using about <bytes> of stack:
 *                    "stack used=<high water> size=<stack size>"
 *   fpu              "fpu 450" from float math (proves the FPU is on in hard-float builds)
 *   note <word>      semihosting SYS_WRITE0 of "note <word>\n" (QEMU: to its stderr)
 *   fault <kind>     "fault-trigger <kind>" then: bus (load from an unmapped address; mps2),
 *                    div0 (integer division by zero), undef (undefined instruction),
 *                    overflow (unbounded recursion)
 *   hang             spin forever (the host's timeout must end the run)
 *   exit <code>      stop here with status <code>
 * Always prints "selftest board=<id> stack_size=<bytes>" and "cmdline <line>" first and
 * "done <status>" last; then exits with that status.
 */
#include <stdint.h>
#include <string.h>

#include "board.h"
#include "semihost.h"

#define MAX_ARGS 16
#define CMDLINE_BYTES 512u

/* Bit-wise CRC-32 (IEEE, reflected, as zlib.crc32). */
static uint32_t crc32_update(uint32_t crc, const uint8_t *data, uint32_t n)
{
    crc = ~crc;
    for (uint32_t i = 0u; i < n; ++i) {
        crc ^= data[i];
        for (int bit = 0; bit < 8; ++bit) {
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
        }
    }
    return ~crc;
}

static uint32_t parse_u32(const char *s)
{
    uint32_t value = 0u;
    while (*s >= '0' && *s <= '9') {
        value = value * 10u + (uint32_t)(*s - '0');
        ++s;
    }
    return value;
}

static void put_line_u32(const char *label, uint32_t value)
{
    board_uart_puts(label);
    board_put_u32(value);
    board_uart_puts("\n");
}

static int cmd_file(const char *path)
{
    static uint8_t chunk[512];
    const int32_t fd = semihost_open(path, SEMIHOST_OPEN_RB);
    if (fd < 0) {
        board_uart_puts("file error open\n");
        return 3;
    }
    const int32_t len = semihost_flen(fd);
    uint32_t total = 0u;
    uint32_t crc = 0u;
    for (;;) {
        const int32_t got = semihost_read(fd, chunk, sizeof chunk);
        if (got < 0) {
            board_uart_puts("file error read\n");
            return 3;
        }
        if (got == 0) {
            break;
        }
        crc = crc32_update(crc, chunk, (uint32_t)got);
        total += (uint32_t)got;
    }
    (void)semihost_close(fd);
    board_uart_puts("file len=");
    board_put_i32(len);
    board_uart_puts(" read=");
    board_put_u32(total);
    board_uart_puts(" crc32=");
    board_put_hex32(crc);
    board_uart_puts("\n");
    return 0;
}

/* n iterations of exactly two instructions (subs + bne), n >= 1. */
__attribute__((noinline)) static void spin(uint32_t n)
{
    __asm__ volatile("1:\n\t"
                     "subs %0, %0, #1\n\t"
                     "bne 1b\n\t"
                     : "+r"(n)
                     :
                     : "cc");
}

static int cmd_loop(uint32_t n)
{
    if (n == 0u) {
        board_uart_puts("loop error n must be >= 1\n");
        return 3;
    }
    board_timer_start();
    const uint32_t t0 = board_timer_ticks();
    spin(n);
    const uint32_t t1 = board_timer_ticks();
    board_uart_puts("loop n=");
    board_put_u32(n);
    put_line_u32(" ticks=", t1 - t0);
    return 0;
}

/* 256 bytes of locals per level; the sum keeps the recursion from becoming a loop. */
__attribute__((noinline)) static uint32_t use_stack(uint32_t depth)
{
    volatile uint8_t frame[256];
    frame[0] = (uint8_t)depth;
    frame[255] = (uint8_t)(depth >> 8);
    if (depth == 0u) {
        return frame[0];
    }
    return use_stack(depth - 1u) + frame[0] + frame[255];
}

static int cmd_stack(uint32_t bytes)
{
    (void)use_stack(bytes / 256u);
    board_uart_puts("stack used=");
    board_put_u32(board_stack_high_water());
    put_line_u32(" size=", board_stack_size());
    return 0;
}

static int cmd_fpu(void)
{
    volatile float a = 1.5f;
    volatile float b = 3.0f;
    const float product = a * b;
    put_line_u32("fpu ", (uint32_t)(product * 100.0f));
    return 0;
}

static volatile uint32_t s_keep_going = 1u;

__attribute__((noinline)) static uint32_t overflow_stack(uint32_t depth)
{
    volatile uint8_t frame[256];
    frame[0] = (uint8_t)depth;
    if (s_keep_going != 0u) {
        return overflow_stack(depth + 1u) + frame[0];
    }
    return frame[0];
}

static int cmd_fault(const char *kind)
{
    board_uart_puts("fault-trigger ");
    board_uart_puts(kind);
    board_uart_puts("\n");
    if (strcmp(kind, "bus") == 0) {
        /* Unmapped on the mps2 boards. QEMU's lm3s6965evb ignores failed bus transactions:
         * there the load returns 0 and no BusFault happens. */
        return (int)*(volatile uint32_t *)(uintptr_t)0xF0000000u;
    }
    if (strcmp(kind, "div0") == 0) {
        volatile int32_t zero = 0;
        volatile int32_t ten = 10;
        return (int)(ten / zero); /* SDIV traps: the board enables CCR.DIV_0_TRP */
    }
    if (strcmp(kind, "undef") == 0) {
        __asm__ volatile("udf #0");
        return 0;
    }
    if (strcmp(kind, "overflow") == 0) {
        return (int)overflow_stack(0u);
    }
    board_uart_puts("fault error unknown kind\n");
    return 3;
}

int main(void)
{
    static char cmdline[CMDLINE_BYTES];
    char *argv[MAX_ARGS];

    board_init();
    board_uart_puts("selftest board=" TINYFW_BOARD_ID " stack_size=");
    board_put_u32(board_stack_size());
    board_uart_puts("\n");

    const int len = board_cmdline(cmdline, sizeof cmdline);
    if (len < 0) {
        board_uart_puts("cmdline none\n");
        board_uart_puts("done 4\n");
        return 4;
    }
    board_uart_puts("cmdline ");
    board_uart_write(cmdline, (uint32_t)len);
    board_uart_puts("\n");

    const int argc = board_split_args(cmdline, argv, MAX_ARGS);
    int status = 0;
    for (int i = 1; i < argc && status == 0; ++i) {
        const char *cmd = argv[i];
        const char *arg = (i + 1 < argc) ? argv[i + 1] : "";
        if (strcmp(cmd, "file") == 0) {
            status = cmd_file(arg);
            ++i;
        } else if (strcmp(cmd, "loop") == 0) {
            status = cmd_loop(parse_u32(arg));
            ++i;
        } else if (strcmp(cmd, "stack") == 0) {
            status = cmd_stack(parse_u32(arg));
            ++i;
        } else if (strcmp(cmd, "fpu") == 0) {
            status = cmd_fpu();
        } else if (strcmp(cmd, "note") == 0) {
            semihost_write0("note ");
            semihost_write0(arg);
            semihost_write0("\n");
            ++i;
        } else if (strcmp(cmd, "fault") == 0) {
            status = cmd_fault(arg);
            ++i;
        } else if (strcmp(cmd, "hang") == 0) {
            board_uart_puts("hang\n");
            for (;;) {
                __asm__ volatile("nop");
            }
        } else if (strcmp(cmd, "exit") == 0) {
            status = (int)parse_u32(arg);
            ++i;
        } else {
            board_uart_puts("unknown command ");
            board_uart_puts(cmd);
            board_uart_puts("\n");
            status = 2;
        }
    }
    board_uart_puts("done ");
    board_put_i32(status);
    board_uart_puts("\n");
    return status;
}
