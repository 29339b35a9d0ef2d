/* Target I/O of the verification app (board builds: PlatformIO defines TINYFW_BOARD_ID).
 *
 * Command line (semihosting, QEMU `-semihosting-config ...,arg=<elf>,arg=<records>[,arg=trace]`):
 *   argv[1]  the input records file, relative to QEMU's working directory, read with
 *            semihosting SYS_OPEN/SYS_READ in 512-byte chunks
 *   argv[2]  "trace" to print every intermediate tensor
 * Output lines go to the board UART; ticks come from the board timer (board_timer_ticks);
 * the exit status goes back through semihosting SYS_EXIT_EXTENDED (board_exit). */
#if defined(TINYFW_BOARD_ID)
#include <stdint.h>

#include "board.h"
#include "semihost.h"
#include "verify_io.h"

#define VIO_CHUNK 512
#define VIO_MAX_ARGS 4

static int32_t g_handle = -1;
static uint8_t g_buf[VIO_CHUNK];
static int32_t g_len;
static int32_t g_pos;
static int g_eof;

static int str_eq(const char *a, const char *b)
{
    while (*a != '\0' && *a == *b) {
        ++a;
        ++b;
    }
    return *a == *b;
}

int vio_init(int *trace)
{
    static char cmdline[1024];
    char *argv[VIO_MAX_ARGS];
    board_init();
    board_timer_start();
    *trace = 0;
    if (board_cmdline(cmdline, sizeof cmdline) < 0) {
        return -1;
    }
    const int argc = board_split_args(cmdline, argv, VIO_MAX_ARGS);
    if (argc < 2) {
        return -1;
    }
    if (argc >= 3 && str_eq(argv[2], "trace")) {
        *trace = 1;
    }
    g_handle = semihost_open(argv[1], SEMIHOST_OPEN_RB);
    return g_handle < 0 ? -1 : 0;
}

int32_t vio_read(uint8_t *buf, int32_t n)
{
    int32_t got = 0;
    while (got < n) {
        if (g_pos == g_len) {
            if (g_eof) {
                break;
            }
            const int32_t r = semihost_read(g_handle, g_buf, VIO_CHUNK);
            if (r < 0) {
                return -1;
            }
            if (r == 0) {
                g_eof = 1;
                break;
            }
            g_len = r;
            g_pos = 0;
        }
        buf[got++] = g_buf[g_pos++];
    }
    if (got == 0) {
        return 0;
    }
    return got == n ? n : -1;
}

void vio_write(const char *s, int32_t n)
{
    board_uart_write(s, (uint32_t)n);
}

uint32_t vio_ticks(void)
{
    return board_timer_ticks();
}

void vio_exit(int code)
{
    if (g_handle >= 0) {
        (void)semihost_close(g_handle);
    }
    board_exit(code);
}

#else
typedef int tfw_verify_io_target_unused; /* ISO C: no empty translation unit */
#endif
