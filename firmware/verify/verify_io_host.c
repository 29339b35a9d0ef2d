/* Host I/O of the verification app: records on stdin, lines on stdout; argv is not used
 * (TFW_VERIFY_TRACE=1 in the environment asks for intermediates).
 * Board builds (PlatformIO defines TINYFW_BOARD_ID) use verify_io_target.c instead. */
#if !defined(TINYFW_BOARD_ID)
#include <stdio.h>
#include <stdlib.h>

#include "verify_io.h"

int vio_init(int *trace)
{
    const char *t = getenv("TFW_VERIFY_TRACE");
    *trace = (t != NULL && t[0] == '1');
    return 0;
}

int32_t vio_read(uint8_t *buf, int32_t n)
{
    const size_t got = fread(buf, 1, (size_t)n, stdin);
    if (got == 0 && feof(stdin)) {
        return 0;
    }
    return got == (size_t)n ? n : -1;
}

void vio_write(const char *s, int32_t n)
{
    fwrite(s, 1, (size_t)n, stdout);
}

uint32_t vio_ticks(void)
{
    return 0;
}

void vio_exit(int code)
{
    fflush(stdout);
    exit(code);
}

#else
typedef int tfw_verify_io_host_unused; /* ISO C: no empty translation unit */
#endif
